"""Offline side of HeterRec serve: data pipeline, HeterRec and SASRec models, trainer, evaluation."""
