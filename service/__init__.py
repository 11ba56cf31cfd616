"""The citeqa service: retrieval, cited answers, the HTTP API and the command line."""
