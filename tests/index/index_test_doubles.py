"""Test doubles for the index tests: the shared hash embedder and a small library."""

from __future__ import annotations

from hash_embeddings import EmbedderCrashed, HashEmbeddings

__all__ = ["REPORTS", "EmbedderCrashed", "HashEmbeddings"]


REPORTS = {
    "alpha": "# 数字经济\n\n数字经济是以数据资源为关键要素的经济形态。2023年数字经济规模达到53.9万亿元。\n\n"
             "## 数字基础设施\n\n5G基站数量超过337万个，覆盖所有地级市。千兆光网具备覆盖超过5亿户家庭的能力。"
             "数据中心机架总规模持续增长，算力总规模位居世界第二。\n\n"
             "## 数字贸易\n\n跨境电商进出口额保持增长，丝路电商合作伙伴国增加到30个。",
    "beta": "# Green Finance\n\nGreen bonds financed renewable energy projects in 2022.\n\n"
            "## Carbon markets\n\nThe national carbon market covers the power sector first.",
    "gamma": "# 人工智能\n\n人工智能治理需要国际合作。各国应共同制定人工智能伦理规范。\n\n"
             "## 算力\n\n算力是人工智能发展的基础，智能算力规模快速增长。",
}
