using RhmLab.Cli;

return CliApp.Run(args);
