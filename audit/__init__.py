"""The Batchscout domain: latency classes, advice, pricing and savings.

Pure Python. Nothing in this package may import Slack, the database or the network.
"""
