"""The three summaries TensorBoard's hparams plugin reads: the experiment, a session's start and end."""
from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

from ..._tensor import Tensor
from ._convert import make_np


def hparams(hparam_dict: dict[str, Any], metric_dict: dict[str, Any],
            hparam_domain_discrete: dict[str, list[Any]] | None = None) -> tuple[Summary, Summary, Summary]:
    """The experiment (names of hparams and metrics), session start (hparam values) and end summaries."""
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for name, choices in domains.items():
        if (name not in hparam_dict or not isinstance(choices, list)
                or not all(isinstance(c, type(hparam_dict[name])) for c in choices)):
            raise TypeError(f"parameter: hparam_domain_discrete[{name}] should be a list of same type "
                            f"as hparam_dict[{name}].")

    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for name, value in hparam_dict.items():
        if value is None:
            continue
        field, data_type, value = _typed(value)
        setattr(start.hparams[name], field, value)
        domain = None
        if name in domains:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: c}) for c in domains[name]])
        infos.append(api_pb2.HParamInfo(name=name, type=data_type, domain_discrete=domain))

    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metric_dict]
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    return (_summary(metadata.EXPERIMENT_TAG, experiment=experiment),
            _summary(metadata.SESSION_START_INFO_TAG, session_start_info=start),
            _summary(metadata.SESSION_END_INFO_TAG, session_end_info=end))


def _typed(value: Any) -> tuple[str, int, Any]:
    """The protobuf Value field, the hparams data type and the value to store for one hyperparameter."""
    # NOTE: bool is an int, so True is logged as the number 1.0, as PyTorch logs it.
    if isinstance(value, (int, float)):
        return "number_value", api_pb2.DATA_TYPE_FLOAT64, value
    if isinstance(value, str):
        return "string_value", api_pb2.DATA_TYPE_STRING, value
    if isinstance(value, Tensor):
        return "number_value", api_pb2.DATA_TYPE_FLOAT64, make_np(value).reshape(-1)[0].item()
    raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")


def _summary(tag: str, **content: Any) -> Summary:
    """One Summary whose only value carries hparams plugin data and no payload."""
    data = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION, **content)
    plugin = SummaryMetadata.PluginData(plugin_name=metadata.PLUGIN_NAME, content=data.SerializeToString())
    return Summary(value=[Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin))])
