"""collabnet: research collaboration networks from OpenAlex, with the evidence behind every tie."""

__version__ = "0.1.0"
