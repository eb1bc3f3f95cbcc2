"""``python -m haiquan.exchange serve``: run a gateway node on its own."""

from haiquan.exchange.serve import main

if __name__ == "__main__":
    main()
