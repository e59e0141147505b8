"""Files → documents → chunks → vectors: everything that builds and maintains the index."""
