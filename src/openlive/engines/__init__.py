"""Model adapters behind small Protocols."""

from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams

__all__ = ["LLM", "ChatMessage", "GenerationStats", "SamplingParams"]
