from careaudit.cli import main

main()
