"""The command line: argument parsing (the only place), what each subcommand does, doctor."""
