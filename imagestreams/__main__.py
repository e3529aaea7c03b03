from imagestreams.cli.main import main

main(prog_name="imagestreams")
