"""warwatch: news reports about armed conflict in, an ACLED-style event table out."""
