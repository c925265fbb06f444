"""Reading captures (pcap/pcapng), grouping queries into search chains, and explaining them."""
