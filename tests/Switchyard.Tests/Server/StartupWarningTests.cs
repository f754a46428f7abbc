using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Switchyard.Configuration;
using Switchyard.Providers;
using Switchyard.Server.Hosting;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Server;

/// <summary>What an operator reads at start-up: one warning naming every unsupported key, and one for an open gateway.</summary>
public sealed class StartupWarningTests
{
    private sealed class Collected : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Lines);

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }

    [Fact]
    public async Task UnsupportedKeysAreNamedInOneWarningAndAnOpenGatewayIsFlagged()
    {
        using var pool = new UpstreamClientPool();
        var loaded = ConfigLoader.LoadYaml("""
            model_list:
              - model_name: demo
                litellm_params: { model: openai/gpt-4o, api_key: sk-test-123456 }
            litellm_settings:
              success_callback: ["langfuse"]
            general_settings:
              alerting: ["slack"]
            """, new Dictionary<string, string?>(), ProviderRegistry.CreateDefault(pool).Names);
        Assert.True(loaded.Succeeded, string.Join("; ", loaded.Errors));
        var logs = new Collected();

        await using var app = GatewayHost.Build(loaded.Options! with { Server = loaded.Options!.Server with { Port = 0, DataDirectory = GatewayUnderTest.TemporaryDataDirectory() } }, logging => logging.AddProvider(logs));

        var warnings = logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        var unsupported = Assert.Single(warnings, w => w.Contains("does not support", StringComparison.Ordinal));
        Assert.Contains("litellm_settings.success_callback", unsupported);
        Assert.Contains("general_settings.alerting", unsupported);
        Assert.Contains(warnings, w => w.Contains("No master key is set", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("sk-test-123456", StringComparison.Ordinal));
    }
}
