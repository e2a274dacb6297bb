"""One module per message kind; each turns its data into a neutral Message and carries
an EXAMPLE so renderers can be tested on every kind."""
