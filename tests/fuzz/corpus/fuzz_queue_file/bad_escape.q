TERN-QUEUE 1
sender %ZZ
