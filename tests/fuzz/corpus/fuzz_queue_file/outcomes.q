TERN-QUEUE 1
id 4Yg3Nf0x5WzKzB
arrival 1763775245.5
sender -
client unknown 2001:db8::1 1 helo%20with%20space ESMTPSA
sasl PLAIN bob
envid E1
ret HDRS
body 8BITMIME
smtputf8
rcpt a@b rfc822;a@b 6
rcpt %2D - 1
content 5
hello
sealed
outcome 0 done 1763775300.000000 -
outcome 1 deferred 1763775301.000000 connect%20refused
outcome 1 bou