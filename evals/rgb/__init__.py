"""The RGB benchmark (Chen et al., 2024; Chinese noise robustness and rejection) run through reportqa."""

from evals.rgb.rgb_benchmark import RGBBenchmark, render_rgb_markdown, summarize_rgb
from evals.rgb.rgb_dataset import RGBFormatError, RGBItem, choose_items, load_rgb, sample_passages
from evals.rgb.rgb_scoring import answer_labels, is_correct

__all__ = [
    "RGBBenchmark", "RGBFormatError", "RGBItem", "answer_labels", "choose_items", "is_correct", "load_rgb",
    "render_rgb_markdown", "sample_passages", "summarize_rgb",
]
