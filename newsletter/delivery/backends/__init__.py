"""One module per delivery backend; chosen by NEWSLETTER['delivery']['backend'] (see ../config.py)."""
