"""Turns a trained run into the artifact folder the service loads (ONNX encoder, FAISS index, manifest)."""
