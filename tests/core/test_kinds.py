"""What every layer kind owns, checked by walking the registry; the per-axis geometry."""

from __future__ import annotations

from app.core.layers import LAYERS_ADAPTER
from app.core.shapes import AxisGeometry


def test_a_convolution_expands_its_geometry_once_with_same_padding_resolved() -> None:
    (conv,) = LAYERS_ADAPTER.validate_python(
        [
            {
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": [4, 3],
                "padding": "same",
                "dilation": [1, 2],
            }
        ]
    )
    step = conv.infer((3, 10, 9))
    # D(K-1) padded in all, the odd unit after: 3 -> 1 + 2, 4 -> 2 + 2.
    assert step.geometry == (AxisGeometry(10, 4, 1, 1, 2, 1), AxisGeometry(9, 3, 1, 2, 2, 2))
    assert [a.k_eff for a in step.geometry] == [4, 5]


def test_a_pooling_geometry_takes_the_kernel_for_its_default_stride() -> None:
    (pool,) = LAYERS_ADAPTER.validate_python(
        [{"type": "maxpool2d", "kernel_size": 3, "padding": [1, 0]}]
    )
    assert pool.infer((2, 7, 6)).geometry == (
        AxisGeometry(7, 3, 3, 1, 1, 1),
        AxisGeometry(6, 3, 3, 0, 0, 1),
    )


def test_a_transposed_convolution_keeps_its_output_padding_in_the_geometry() -> None:
    (deconv,) = LAYERS_ADAPTER.validate_python(
        [
            {
                "type": "convtranspose1d",
                "out_channels": 2,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            }
        ]
    )
    assert deconv.infer((1, 5)).geometry == (AxisGeometry(5, 3, 2, 1, 1, 1, 1),)


def test_layers_without_windows_have_no_geometry() -> None:
    layers = LAYERS_ADAPTER.validate_python(
        [{"type": "relu"}, {"type": "adaptiveavgpool2d", "output_size": 1}, {"type": "flatten"}]
    )
    assert [layer.infer((2, 4, 4)).geometry for layer in layers] == [(), (), ()]
