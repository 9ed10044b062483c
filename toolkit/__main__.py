from toolkit.resident import main

main()
