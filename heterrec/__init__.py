"""The `heterrec` command line: one entry point over model/, export/ and service/."""
