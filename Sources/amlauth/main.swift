import AMLAuthCLI

await AMLAuthCommand.runAndExit()
