not a queue file
