"""Online side: FastAPI service over Redis user state, ONNX Runtime and FAISS. Never imports torch."""
