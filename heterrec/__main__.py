from heterrec.cli import main

main()
