"""lens: how diverse is an LLM-generated text dataset, really?"""

__version__ = "0.2.0"
