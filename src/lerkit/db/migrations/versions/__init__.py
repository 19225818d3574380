"""One module per revision, ``rNNNN_<slug>.py``; never edit one that has been released."""
