using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Switchyard.Configuration;

/// <summary>
/// Remembers where the last parsed event ended. YamlDotNet's scanner throws a bare <see cref="InvalidOperationException"/>
/// (no position) on some malformed input, such as an unclosed flow list spanning lines; this is what lets that error still
/// point at a line.
/// </summary>
internal sealed class PositionTrackingParser(IParser inner) : IParser
{
    public Mark LastPosition { get; private set; } = Mark.Empty;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        var moved = inner.MoveNext();
        if (inner.Current is { } current)
        {
            LastPosition = current.End;
        }
        return moved;
    }
}
