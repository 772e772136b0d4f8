"""Normalisation layers: params, buffers, rank and channel checks."""

from __future__ import annotations

import pytest

from app.core import LayerError, analyze


def test_batchnorm2d_params_and_buffers() -> None:
    a = analyze([64, 8, 8], [{"type": "batchnorm2d"}])
    r = a.layers[0]
    assert (r.params, r.buffers, r.weight_shape, r.bias_shape) == (128, 129, (64,), (64,))
    assert a.total_params == 128
    assert a.total_buffers == 129


def test_batchnorm_without_affine_or_stats() -> None:
    r = analyze([8, 4], [{"type": "batchnorm1d", "affine": False, "track_running_stats": False}])
    assert (r.layers[0].params, r.layers[0].buffers) == (0, 0)


def test_batchnorm_rank_and_num_features() -> None:
    with pytest.raises(LayerError, match="BatchNorm2d expects 4D input"):
        analyze([64, 8], [{"type": "batchnorm2d"}])
    with pytest.raises(LayerError, match="running_mean should contain 64 elements not 32") as info:
        analyze([64, 8, 8], [{"type": "batchnorm2d", "num_features": 32}])
    assert info.value.field == "num_features"


def test_layernorm_defaults_to_last_axis() -> None:
    r = analyze([16, 32], [{"type": "layernorm"}]).layers[0]
    assert (r.weight_shape, r.params) == ((32,), 64)
    r = analyze([4, 5, 6], [{"type": "layernorm", "normalized_shape": [5, 6]}]).layers[0]
    assert r.params == 60
    with pytest.raises(LayerError, match="normalized_shape"):
        analyze([4, 5, 6], [{"type": "layernorm", "normalized_shape": [4, 5]}])


def test_groupnorm_groups_divide_channels() -> None:
    assert analyze([32, 8, 8], [{"type": "groupnorm", "num_groups": 8}]).total_params == 64
    with pytest.raises(LayerError, match="num_channels must be divisible by num_groups"):
        analyze([30, 8, 8], [{"type": "groupnorm", "num_groups": 8}])


def test_layernorm_never_reaches_into_the_batch() -> None:
    # torch accepts [2, 2] on a batch of two 2-vectors: the statistics would mix samples.
    with pytest.raises(LayerError, match="reaches into the batch dimension") as info:
        analyze([2], [{"type": "layernorm", "normalized_shape": [2, 2]}], batch_size=2)
    assert info.value.code == "unsupported"


@pytest.mark.parametrize("length", [5, 300_000])
def test_layernorm_normalized_shape_has_at_most_four_entries(length: int) -> None:
    # Longer than any input's rank, it could never match; before, 300,000 entries were
    # validated, and echoed back as the weight's and the bias's shapes.
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        analyze([2, 2, 2, 2], [{"type": "layernorm", "normalized_shape": [2] * length}])
    (too_long,) = [e for e in info.value.errors() if e["type"] == "too_long"]
    assert "normalized_shape" in too_long["loc"]
    assert too_long["ctx"]["max_length"] == 4


def test_layernorm_over_four_axes_is_still_read() -> None:
    r = analyze([2, 3, 4, 5], [{"type": "layernorm", "normalized_shape": [2, 3, 4, 5]}])
    assert r.layers[0].weight_shape == (2, 3, 4, 5)
    assert r.total_params == 2 * 120


# --- instance normalisation and local response normalisation ---------------------------------


def test_instancenorm2d_params_only_when_affine_and_buffers_only_with_running_stats() -> None:
    # PyTorch's defaults: affine=False, track_running_stats=False, so nothing at all.
    r = analyze([64, 8, 8], [{"type": "instancenorm2d"}]).layers[0]
    assert (r.params, r.buffers, r.weight_shape, r.bias_shape, r.macs) == (0, 0, None, None, 0)
    r = analyze([64, 8, 8], [{"type": "instancenorm2d", "affine": True}]).layers[0]
    assert (r.params, r.buffers, r.weight_shape, r.bias_shape) == (128, 0, (64,), (64,))
    r = analyze([64, 8], [{"type": "instancenorm1d", "track_running_stats": True}]).layers[0]
    assert (r.params, r.buffers) == (0, 2 * 64 + 1)  # running_mean, running_var, the count


@pytest.mark.parametrize(
    ("tag", "shape"),
    [("instancenorm1d", [6]), ("instancenorm2d", [3, 8]), ("instancenorm3d", [3, 4, 4])],
)
def test_instancenorm_refuses_a_tensor_torch_would_read_as_one_unbatched_sample(
    tag: str, shape: list[int]
) -> None:
    with pytest.raises(LayerError, match="as one unbatched sample") as refused:
        analyze(shape, [{"type": tag}])
    assert refused.value.code == "wrong_rank"
    assert refused.value.field is None


def test_instancenorm_num_features_is_refused_where_it_is_used_and_warned_of_otherwise() -> None:
    for fields in ({"affine": True}, {"track_running_stats": True}):
        with pytest.raises(LayerError) as refused:
            analyze([5, 4, 4], [{"type": "instancenorm2d", "num_features": 3, **fields}])
        assert refused.value.field == "num_features"
        assert refused.value.code == "channels_mismatch"
    a = analyze([5, 4, 4], [{"type": "instancenorm2d", "num_features": 3}])
    assert [w.code for w in a.warnings] == ["num_features_unused"]
    assert a.layers[0].output_shape == (5, 4, 4)


def test_instancenorm_over_one_spatial_element() -> None:
    with pytest.raises(LayerError, match="Expected more than 1 spatial element") as refused:
        analyze([8, 1, 1], [{"type": "instancenorm2d", "affine": True}])
    assert refused.value.code == "single_spatial_element"
    a = analyze([8, 1, 1], [{"type": "instancenorm2d", "track_running_stats": True}])
    assert [w.code for w in a.warnings] == ["single_spatial_element"]


def test_local_response_norm_keeps_the_shape_and_needs_a_spatial_axis() -> None:
    a = analyze([96, 55, 55], [{"type": "localresponsenorm", "size": 5, "k": 2}])
    r = a.layers[0]
    assert (r.output_shape, r.params, r.buffers, r.macs) == ((96, 55, 55), 0, 0, 0)
    assert r.receptive_field.size == (1, 1)
    with pytest.raises(LayerError, match=r"Expected 3D or higher dimensionality input \(got 2"):
        analyze([96], [{"type": "localresponsenorm", "size": 5}])


def test_local_response_norm_size_is_at_least_one() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        analyze([4, 4], [{"type": "localresponsenorm", "size": 0}])
    with pytest.raises(ValidationError, match="Field required"):
        analyze([4, 4], [{"type": "localresponsenorm"}])


def test_the_new_norms_are_explained_in_french_with_their_numbers() -> None:
    from app.core.analysis import parse_layers
    from app.core.explain import explain_analysis

    layers = [
        {"type": "instancenorm2d", "affine": True, "track_running_stats": True},
        {"type": "localresponsenorm", "size": 4, "alpha": 0.0001, "beta": 0.75, "k": 2},
    ]
    specs = parse_layers(layers)
    a = explain_analysis(analyze([6, 5, 7], specs), specs, "fr")
    instance, lrn = ([(s.text, s.formula) for s in r.explanation or []] for r in a.layers)
    assert instance[0] == (
        "InstanceNorm2d normalise chaque canal de chaque exemple sur ses 35 valeurs spatiales "
        "(leur moyenne et leur variance), sans changer la taille.",
        "H × W = 5 × 7 = 35",
    )
    assert ("Nombre de paramètres : γ et β, 6 chacun.", "2 × C = 2 × 6 = 12") in instance
    assert any(f == "2 × C + 1 = 2 × 6 + 1 = 13" for _, f in instance)
    assert lrn[0] == (
        "LocalResponseNorm divise chaque valeur par une puissance de la somme des carrés sur "
        "n = 4 canaux voisins, 2 avant et 1 après le sien (des zéros au-delà des 6 canaux), "
        "sans changer la taille.",
        "b_c = a_c / (k + α/n × Σ a_c'²)^β = a_c / (2 + 0.0001/4 × Σ a_c'²)^0.75",
    )
    assert lrn[-2][0] == "Pas de paramètres à apprendre : n, α, β et k sont fixés à la main."


def test_the_new_norms_warnings_and_refusals_in_french() -> None:
    from app.core.explain import warning_in

    with pytest.raises(LayerError) as refused:
        analyze([8, 1, 1], [{"type": "instancenorm2d"}])
    assert refused.value.text("fr") == (
        "couche 0 (instancenorm2d) : une seule valeur spatiale par canal dans un tenseur 8×1×1 "
        "(sans le batch) : sans track_running_stats, les statistiques viennent de l'entrée, en "
        "évaluation aussi (PyTorch demande plus d'une valeur spatiale)"
    )
    with pytest.raises(LayerError) as refused:
        analyze([5, 4], [{"type": "instancenorm1d", "num_features": 3, "affine": True}])
    assert refused.value.text("fr") == (
        "couche 0 (instancenorm1d) : la taille de l'entrée selon dim=1 (5) doit valoir "
        "num_features (3)"
    )
    (warning,) = analyze([5, 4], [{"type": "instancenorm1d", "num_features": 3}]).warnings
    assert warning_in(warning, "fr").message == (
        "la taille de l'entrée selon dim=1 (5) ne correspond pas à num_features (3) ; PyTorch "
        "prévient et continue, num_features ne servant pas quand affine=False"
    )
    layer = {"type": "instancenorm1d", "track_running_stats": True}
    (warning,) = analyze([5, 1], [layer]).warnings
    assert warning_in(warning, "fr").message == (
        "chaque canal n'a qu'une valeur spatiale : l'entraînement échoue (PyTorch "
        "demande plus d'une valeur spatiale) ; l'évaluation utilise les statistiques courantes"
    )


def test_instancenorm_running_stats_counted_as_parameters_is_a_known_mistake() -> None:
    from app.core.layers import LAYERS_ADAPTER
    from app.core.layers.base import Mistake

    (norm,) = LAYERS_ADAPTER.validate_python(
        [{"type": "instancenorm2d", "affine": True, "track_running_stats": True}]
    )
    # 4 channels: 8 parameters; running mean and var and the count: 9 buffers.
    assert norm.param_mistakes(norm.infer((4, 6, 6))) == {Mistake.COUNTED_BUFFERS: 17}


def test_the_catalogue_publishes_the_new_norms() -> None:
    from app.core.layers import catalogue

    entries = {entry["kind"]: entry for entry in catalogue()}
    assert entries["InstanceNorm"]["names"] == {
        "instancenorm1d": "InstanceNorm1d",
        "instancenorm2d": "InstanceNorm2d",
        "instancenorm3d": "InstanceNorm3d",
    }
    assert entries["InstanceNorm"]["positional"][0] == "num_features"
    assert entries["LocalResponseNorm"]["positional"] == ["size", "alpha", "beta", "k"]
    assert entries["LocalResponseNorm"]["notation_names"] == {"lrn": "localresponsenorm"}
    assert {entries[k]["picture"] for k in ("InstanceNorm", "LocalResponseNorm")} == {"pointwise"}
