from rnnlens.cli.app import main

main()
