using Switchyard.Server.Cli;
using Switchyard.Server.Hosting;

InlineIo.EnableUnlessConfigured();
return await CommandLine.Build().Parse(args).InvokeAsync();
