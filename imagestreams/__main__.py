from imagestreams.cli.main import main

main()
