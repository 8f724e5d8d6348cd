from bench.worker.cli import main

main()
