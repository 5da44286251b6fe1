TERN-QUEUE 1
id 4Yg3Nf0x5WzKzB
arrival 1763775245.123456
sender alice@example.org
client mail.example.org 192.0.2.7 40122 helo.example ESMTP
source local
filter smtp-amavis:[127.0.0.1]:10024
rcpt bob@example.test - 0
content 17
Subject: x

body

sealed
