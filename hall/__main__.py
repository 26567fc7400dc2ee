from hall.cli import main

main()
