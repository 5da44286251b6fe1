TERN-QUEUE 1
id 4Yg3Nf0x5WzKzB
arrival 1763775245
rcpt a@b - 0
content 10
abc