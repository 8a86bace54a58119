"""Meshes and point clouds for TensorBoard's mesh plugin: one tensor summary per part."""
from __future__ import annotations

import json
from typing import Any

from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.plugins.mesh import metadata
from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData

from ._convert import make_np
from ._tensor_proto import shape_proto


def mesh(tag: str, vertices: Any, colors: Any, faces: Any, config_dict: dict[str, Any] | None,
         display_name: str | None = None, description: str | None = None) -> Summary:
    """Vertices, and when given faces and colors, each a B x N x 3 tensor, with a three.js config."""
    json_config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    parts = [(data, kind) for data, kind in ((vertices, MeshPluginData.VERTEX), (faces, MeshPluginData.FACE),
                                             (colors, MeshPluginData.COLOR)) if data is not None]
    components = metadata.get_components_bitmask([kind for _, kind in parts])
    values = []
    for data, kind in parts:
        array = make_np(data)
        smd = metadata.create_summary_metadata(tag, display_name, kind, components, array.shape, description,
                                               json_config=json_config)
        proto = TensorProto(dtype="DT_FLOAT", float_val=array.reshape(-1).tolist(),
                            tensor_shape=shape_proto(array.shape))
        values.append(Summary.Value(tag=metadata.get_instance_name(tag, kind), tensor=proto, metadata=smd))
    return Summary(value=values)
