import AMLAuthCLI

AMLAuthCommand.runAndExit()
