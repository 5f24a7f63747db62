"""The stages of the answer pipeline, in the order they run."""

from assistant.stages.follow_up_resolver import FollowUpResolver
from assistant.stages.retrieval_stage import RetrievalStage
from assistant.stages.evidence_selector import EvidenceSelector
from assistant.stages.refusal_gate import RefusalGate
from assistant.stages.extractive_composer import ExtractiveComposer
from assistant.stages.model_composer import ModelComposer
from assistant.stages.claim_verifier import ClaimVerifier

__all__ = [
    "ClaimVerifier",
    "EvidenceSelector",
    "ExtractiveComposer",
    "FollowUpResolver",
    "ModelComposer",
    "RefusalGate",
    "RetrievalStage",
]
