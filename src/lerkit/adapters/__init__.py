"""I/O adapters: everything that touches the network, files or databases lives here."""
