"""The English catalogue: every message by its code (the reference wording).

Templates are ``str.format`` strings; ``app.core.messages.render`` fills them in. The
wording copies PyTorch's where it rejects the same input.
"""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, str]] = {
    # --- worked steps of the layer kinds and of the receptive field
    "size_conv": (
        "Output size along {axes}: input {n}, kernel K = {k}, padding P = {p}, stride S = {s}."
    ),
    "size_conv_asym": (
        "Output size along {axes}: input {n}, kernel K = {k}, padding {pl} before and {pr} "
        "after, stride S = {s}."
    ),
    "size_pool": (
        "Output size along {axes}: input {n}, window K = {k}, padding P = {p}, stride S = {s}."
    ),
    "axes_same": "{name} (the same for {others})",
    "stride_default": (
        "The stride was not given: a pooling's stride defaults to its kernel size, S = {s}."
    ),
    "dilation": (
        "Dilation D = {d} spreads the {k} taps of the kernel over D × (K - 1) + 1 = {keff} inputs."
    ),
    "same": (
        "padding='same' keeps the size (stride 1): it pads D × (K - 1) = {total} in all, {pl} "
        "before and {pr} after."
    ),
    "valid": "padding='valid' means no padding: P = 0.",
    "exact": "{span} / {s} is whole: the last window ends exactly at the end of the padded input.",
    "floor": "{span} / {s} is not whole: PyTorch rounds down (floor), so {left}.",
    "ceil": (
        "{span} / {s} is not whole and ceil_mode=True: PyTorch rounds up (ceil), adding a last "
        "window that hangs over the end."
    ),
    "ceil_drop": (
        "But that last window would start in the right padding, (O - 1) × S = ({o} - 1) × {s} = "
        "{start} ≥ N + P = {n} + {p} = {end}, so PyTorch drops it."
    ),
    "unread": "the last {u} input {units} never read",
    "unread_one": "the last input {unit} is never read",
    "units_row": "rows are",
    "units_column": "columns are",
    "units_position": "positions are",
    "units_slice": "slices are",
    "unit_row": "row",
    "unit_column": "column",
    "unit_position": "position",
    "unit_slice": "slice",
    "unread_pad": "only padding is left out",
    "transposed": (
        "Output size along {axes} of the transposed convolution: input {n}, kernel K = {k}, "
        "stride S = {s}, padding P = {p}, output padding OP = {op}; it runs the convolution "
        "formula backwards."
    ),
    "adaptive_given": "Adaptive pooling is told its output size along {axes}: {m}.",
    "adaptive_kept": "Output size None along {axes}: the input's size {n} is kept.",
    "adaptive_even": "{m} divides {n}: this is a pooling with kernel and stride N / M = {k}.",
    "adaptive_uneven": (
        "{m} does not divide {n}: window i covers inputs ⌊i × N / M⌋ to ⌈(i + 1) × N / M⌉, so "
        "the windows overlap and differ in size, the widest covering {widest}."
    ),
    "out_conv": "So the output is {shape}: one channel per filter (C_out = {c}).",
    "pad_zero": "{name} fills the new border with zeros.",
    "pad_constant": "{name} fills the new border with the value {value}.",
    "pad_reflect": (
        "{name} fills the new border with the input mirrored at its edge, the edge value not "
        "repeated: on each side the padding must be smaller than the input along that axis."
    ),
    "pad_replicate": "{name} fills the new border with copies of the edge value.",
    "pad_axis": (
        "Output size along {axes}: input {n}, padding {before} before ({first}) and {after} "
        "after ({second}); no window, so the sizes simply add up."
    ),
    "pad_crop": "A negative padding crops instead: the input loses {cut} along {axes} in all.",
    "side_left": "left",
    "side_right": "right",
    "side_top": "top",
    "side_bottom": "bottom",
    "side_front": "front",
    "side_back": "back",
    "out_pad": "So the output is {shape}: padding keeps the {c} channels.",
    "params_none_pad": "No parameters to learn: padding only adds (or crops) values at the border.",
    "rf_shift": (
        "Receptive field along {axes}: a window of one value with stride 1 keeps the size "
        "r = {r} and the jump j = {jump}."
    ),
    "rf_start": (
        "Only the first unit's centre moves, by the P = {p} values of padding before the axis "
        "(a negative P crops and moves it the other way)."
    ),
    "out_pool": "So the output is {shape}: pooling keeps the {c} channels.",
    "out_kept": "The shape is kept: {shape}.",
    "out_flatten": "Flatten lays the {shape_in} tensor out as one vector of {n} values.",
    "out_flatten_part": (
        "Flatten merges dimensions {start} to {end} (the batch is dimension 0): {shape}."
    ),
    "out_linear": "A linear layer gives out_features = {m} values.",
    "out_linear_last": (
        "A linear layer acts on the last axis only ({n} features) and keeps the others: {shape}."
    ),
    "groups": "With groups G = {g}, each filter sees only the C_in / G channels of its group.",
    "weight_conv": "Weight tensor: one filter of size {filter} per output channel (C_out = {c}).",
    "weight_transposed": (
        "Weight tensor: PyTorch stores a transposed convolution's weight input-first, C_in × "
        "C_out/G × kernel."
    ),
    "weight_linear": (
        "Weight matrix: PyTorch stores it as out_features × in_features = {out}×{inn} (the "
        "course's table writes it in × out, {inn} x {out})."
    ),
    "weight_norm": "Weight (scale γ): one per {what}.",
    "weight_prelu": "Weight: {n} learned negative slope{plural}.",
    "bias_conv": "Bias: one per filter.",
    "bias_linear": "Bias: one per output.",
    "bias_norm": "Bias (shift β): one per {what}.",
    "no_bias": "No bias (bias=False).",
    "no_affine": "Neither scale γ nor shift β ({flag}=False): nothing to learn.",
    "out_shape": "So the output is {shape}.",
    "params_filter": "Each filter has {per} weights plus 1 bias.",
    "params_conv": (
        "Number of parameters: {each} per filter, times the number of filters C_out = {c}."
    ),
    "params_conv_nobias": "Number of parameters: the weights only, no bias.",
    "params_transposed": "Number of parameters: the weights plus one bias per output channel.",
    "params_linear": (
        "Number of parameters: each of the {out} outputs has {inn} weights plus 1 bias."
    ),
    "params_norm": "Number of parameters: γ and β, {n} each.",
    "params_norm_weight": "Number of parameters: γ only, {n}.",
    "params_prelu": "Number of parameters: the slopes.",
    "buffers": (
        "running_mean and running_var ({c} each) and num_batches_tracked are buffers, not "
        "parameters: they are not learned."
    ),
    "upsample_size": "Output size along {axes} is given: size = {m}.",
    "upsample_scale": (
        "Output size along {axes}: PyTorch multiplies the input {n} by scale_factor = {s} in "
        "floating point and rounds down (floor)."
    ),
    "upsample_nearest": "Mode nearest: each output value copies the nearest input value before it.",
    "upsample_interpolate": (
        "Mode {mode}: each output value interpolates the {taps} nearest input values along each "
        "axis, {corners}."
    ),
    "upsample_corners": "the corner values of input and output aligned (align_corners=True)",
    "upsample_centres": "the pixel centres aligned (align_corners=False)",
    "out_upsample": "So the output is {shape}: upsampling keeps the {c} channels.",
    "pixelshuffle": (
        "PixelShuffle with r = {r} moves channels into space: each group of r² = {r2} channels "
        "becomes an r × r block of pixels, so the channels are divided by {r2} and the height "
        "and width multiplied by {r}."
    ),
    "pixelunshuffle": (
        "PixelUnshuffle with r = {r} moves space into channels: each r × r block of pixels "
        "becomes r² = {r2} channels, so the channels are multiplied by {r2} and the height and "
        "width divided by {r}."
    ),
    "space_times": "Along {axes}: multiplied by r = {r}.",
    "space_divided": "Along {axes}: divided by r = {r}.",
    "params_none_resample": (
        "No parameters to learn: the layer only moves, repeats or interpolates values."
    ),
    "params_none_pool": "No parameters to learn: pooling applies a window without weights.",
    "params_none": "No parameters to learn.",
    "kept_activation": "{name} is applied value by value.",
    "kept_dropout": (
        "Dropout zeroes {what} with probability p = {p} while training, and does nothing in "
        "eval mode."
    ),
    "what_channel": "channel",
    "what_normalised": "normalised value ({shape})",
    "what_values": "values",
    "what_channels": "whole channels",
    "kept_softmax": "{name} normalises along dimension {dim} (the batch is dimension 0).",
    "kept_norm": "{name} normalises without changing the shape.",
    "kept_instance_norm": (
        "{name} normalises each channel of each sample over its own {n} spatial values (their "
        "mean and variance), without changing the shape."
    ),
    "kept_lrn": (
        "LocalResponseNorm divides each value by a power of the sum of squares over n = {n} "
        "neighbouring channels, {before} before and {after} after its own (zeros past the {c} "
        "channels), without changing the shape."
    ),
    "params_lrn": "No parameters to learn: n, α, β and k are set by hand.",
    "rf_shortcut": (
        "Receptive field along {axes}: the layers so far have filters of size K = {k} and the "
        "earlier ones stride 1, so the course's formula applies: after L layers (here L = "
        "{layers}) a unit sees 1 + L × (K − 1) input pixels. It agrees with the general rule "
        "r' = r + (K − 1) × j, j' = j × S, since every jump j is 1 up to this layer."
    ),
    "rf_sum": (
        "Receptive field along {axes}: the earlier layers have stride 1, so each layer adds K − "
        "1 pixels to the first one: the course's formula, which agrees with the general rule "
        "r' = r + (K − 1) × j, j' = j × S, since every jump j is 1 up to this layer."
    ),
    "rf_step": (
        "Receptive field along {axes}: r grows by (K_eff − 1) × j, where j = {jump} is the "
        "distance, in input pixels, between neighbouring units before this layer; j is then "
        "multiplied by the stride."
    ),
    "rf_phases": (
        "Receptive field along {axes}: after an upsampling, neighbouring units do not all read "
        "the same number of input pixels (it depends on their position), so r + (K_eff − 1) × j "
        "no longer holds for every unit; counted unit by unit over one period, the widest "
        "sees {size} pixels."
    ),
    "rf_phases_none": (
        "Receptive field along {axes}: after an upsampling, the units this layer keeps read "
        "none of the inputs' own values (only the zeros inserted between them, or padding): "
        "no unit sees an input pixel, so its output does not depend on the input."
    ),
    "rf_transposed": (
        "Receptive field along {axes}: one output of the transposed convolution gathers input "
        "units spread over Δ + 1 = {span} + 1 of them, so r grows by Δ × j (j = {jump} before "
        "this layer); the units get closer: j is divided by the stride."
    ),
    "rf_jump_div": "The distance between neighbouring units is divided by the stride.",
    "rf_jump_mul": "The distance between neighbouring units is multiplied by the stride.",
    "rf_kept": "Receptive field unchanged along {axes}: this layer works value by value.",
    "rf_global": (
        "After this layer every value depends on the whole input: the receptive field is the "
        "input itself."
    ),
    "rf_exceeds": (
        "The receptive field is larger than the input ({input}): the outer part only sees padding."
    ),
    "merge_one": "{name} of a single input passes it on unchanged.",
    "merge_elementwise": (
        "{name} takes {n} inputs ({shapes}) and combines them value by value: their shapes must "
        "be equal, except that a size 1 is repeated to match the other (PyTorch's broadcasting)."
    ),
    "merge_broadcast": "Along {axis}, a size 1 is repeated {n} times.",
    "merge_concat": (
        "torch.cat puts its {n} inputs ({shapes}) one after the other along dimension {dim} "
        "({axis}, the batch being dimension 0): the sizes along {axis} add up, and every other "
        "size must be equal."
    ),
    "params_merge": (
        "No parameters to learn: a merge combines its inputs without weights, and its "
        "element-wise work counts no multiply-accumulate."
    ),
    "rf_merge": (
        "This layer takes several paths; its units see the union of what they see: from the "
        "first to the last input pixel any path reaches, on each axis."
    ),
    "rf_moved": (
        "Along {axis} the units of this layer come from different places of its inputs (put "
        "side by side, or a size 1 repeated), so what a unit sees depends on where it sits: "
        "the size given is the first unit's, the hull of its inputs' regions."
    ),
    # --- the course's receptive field and the general rule, side by side
    "rf_course_stops": (
        "Receptive field along {axes}: the course's formula 1 + L × (K − 1) no longer applies "
        "here. It holds only while every earlier layer has stride 1, and layer {index} ({kind}) "
        "has stride S = {stride}: after it, neighbouring units are more than one input pixel "
        "apart (here j = {jump}), so each K − 1 counts j input pixels. Used past that stride, as "
        "if every stride were 1, the course's formula gives {course}; the general rule gives "
        "{general}."
    ),
    "rf_course_no_pool": (
        "Counting only the convolutions, as if the pooling layers were not there, the course's "
        "formula gives {value}; but a pooling is a window too: it widens the field by "
        "(K − 1) × j, and its stride spreads the units after it."
    ),
    "rf_general": (
        "The general rule, true for any stride, along {axes}: r grows by (K_eff − 1) × j, where "
        "j = {jump} is the distance, in input pixels, between neighbouring units before this "
        "layer; j is then multiplied by the stride."
    ),
    "dim_implicit": "(implicit)",
    "or_join": "{head} or {last}",
    "word_body": "body",
    "word_name": "a name",
    "word_number": "a number",
    "word_end_of_text": "the end of the text",
    "word_end_of_line": "the end of the line",
    "shape_spatial": "C×spatial",
    "shape_any_spatial": "a tensor with spatial axes",
    "layer_error": "layer {index} ({type}): {message}",
    "layer_error_named": "layer {index} ({type}, {name}): {message}",
    "concat_batch": (
        "concatenating along the batch (dim 0) mixes samples; cnncalc keeps the batch apart, so "
        "dim must be 1 (the channels) or more"
    ),
    "concat_rank": (
        "Tensors must have same number of dimensions: got {rank_a} and {rank_b} ({shape_a} and "
        "{shape_b}, with the batch)"
    ),
    "concat_sizes": (
        "Sizes of tensors must match except in dimension {cat_dim}. Expected size {size_a} but "
        "got size {size_b} for tensor number {b} in the list (dimension {dim}: {shape_a} and "
        "{shape_b})"
    ),
    "broadcast_rank": (
        "{op} of a {shape_a} tensor and a {shape_b} tensor: with the batch they have {rank_a} "
        "and {rank_b} dimensions; PyTorch would align the batch of the smaller with a feature "
        "axis of the larger, so give both the same number of dimensions (a size 1 is broadcast)"
    ),
    "broadcast_sizes": (
        "The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
        "non-singleton dimension {dim}"
    ),
    "merge_inputs": "inputs {input_a!r} and {input_b!r}: {message}",
    "graph_empty_layers": (
        'a {kind} block needs at least one layer in layers (an identity is {{"type": "identity"}})'
    ),
    "graph_empty_branch": (
        'a {kind} block needs at least one layer in a branch (an identity is {{"type": '
        '"identity"}})'
    ),
    "graph_layers_limit": (
        "the network expands to more than {limit} layers (blocks and repeats counted), over the "
        "limit of {limit}"
    ),
    "graph_one_input": (
        "{kind} takes one input, but inputs names {count}; only add, mul and concat take several"
    ),
    "graph_block_one_input": "a {kind} block takes one input, but inputs names {count}",
    "graph_name_twice": (
        "the name {name!r} is given twice: ids and positions make every layer's dotted name, "
        "which must be unique"
    ),
    "graph_reserved_id": '"input" is reserved: it names the network\'s input',
    "graph_id_twice": "the id {id!r} is given twice",
    "graph_unknown_input": (
        "inputs[{j}] names {ref!r}, which no earlier layer has as its id; a layer may only take "
        "the input or the output of a layer before it"
    ),
    "graph_chain_only": (
        "{what} takes a chain of layers for now; a branching network (merges of several inputs, "
        "residual or parallel blocks, inputs that skip) is analysed by POST /v1/analyze"
    ),
    "part_export": "the export to PyTorch",
    "part_course_table": "the course's table",
    "part_grading": "grading",
    "kernel_too_large": (
        "kernel {kernel} is larger than the padded input {padded} (Kernel size can't be greater "
        "than actual input size)"
    ),
    "dilated_kernel_too_large": (
        "dilated kernel {kernel} is larger than the padded input {padded} (Kernel size can't be "
        "greater than actual input size)"
    ),
    "pool_padding_too_large": (
        "pad should be at most half of effective kernel size, but got pad={padding}, "
        "kernel_size={kernel} and dilation={dilation}"
    ),
    "pool_kernel_too_large": (
        "kernel {kernel} is larger than the padded input {padded} (Output size is too small)"
    ),
    "transposed_output_too_small": (
        "padding {padding} leaves an output size of {size}; it must be at least 1"
    ),
    "in_channels_mismatch": (
        "in_channels is {given} but the incoming tensor has {actual} channels (shape {shape})"
    ),
    "groups_divide": "{name} must be divisible by groups ({name} = {count}, groups = {groups})",
    "kernel_axes": (
        "kernel_size has {given} values but the input has {axes} spatial axes (expected a "
        "single int or a list of {axes} values)"
    ),
    "same_with_stride": "padding='same' is not supported for strided convolutions",
    "padding_mode_axes": (
        "padding_mode={mode!r} needs one padding per spatial axis or a single int, got {given} "
        "values for {axes} axes (Padding size {size} is not supported for {rank}D input tensor)"
    ),
    "pad_sides_1": "left, right",
    "pad_sides_2": "left, right, top, bottom",
    "pad_sides_3": "left, right, top, bottom, front, back",
    "pad_count_odd": (
        "padding has {given} values; {name} takes an int or {want} values ({sides}) (Padding "
        "length must be divisible by 2)"
    ),
    "pad_count_pairs": (
        "padding has {given} values; {name} takes an int or {want} values ({sides}); {pairs} "
        "pairs would pad other axes than the spatial ones, which cnncalc does not model"
    ),
    "pad_reflect_too_large": (
        "reflection padding ({before}, {after}) on {axis} must be smaller than the input's size "
        "{size} there (Padding size should be less than the corresponding input dimension)"
    ),
    "pad_crop_too_large": (
        "padding ({before}, {after}) on {axis} crops {cut} values from an input of {size} "
        "(narrow(): length must be non-negative)"
    ),
    "pad_output_too_small": (
        "padding ({before}, {after}) on {axis} leaves an output size of {out} from {size}; it "
        "must be at least 1 (input ({axis}: {size}) is too small. Calculated output {axis}: "
        "{out})"
    ),
    "reflect_padding_too_large": (
        "reflect padding {padding} must be smaller than the input size {size} on axis {axis} "
        "(Padding size should be less than the corresponding input dimension)"
    ),
    "circular_padding_too_large": (
        "circular padding {padding} is larger than the input size {size} on axis {axis} "
        "(Padding value causes wrapping around more than once)"
    ),
    "transposed_padding_mode": 'Only "zeros" padding mode is supported for {name}',
    "output_padding_too_large": (
        "output padding must be smaller than either stride or dilation, but got output_padding "
        "{output_padding}, stride {stride} and dilation {dilation} on axis {axis}"
    ),
    "rank_spatial": (
        "{kind} expects a {want} input, but got a tensor of shape {shape} (Expected "
        "{unbatched}D (unbatched) or {batched}D (batched) input)"
    ),
    "axes_count_one": "{field} has {given} values but the input has {axes} spatial axis",
    "axes_count": "{field} has {given} values but the input has {axes} spatial axes",
    "prelu_parameters": (
        "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
        "{given} and channel size = {actual} (input {shape})"
    ),
    "dropout_rank": (
        "{kind} expects a {want}D input (batch included), got {rank}D (shape {shape} with the "
        "batch)"
    ),
    "norm_rank": (
        "{name} expects {want} input (batch included), got {rank}D input of shape {shape} with "
        "the batch"
    ),
    "num_features_mismatch": (
        "num_features is {given} but the incoming tensor has {actual} channels (running_mean "
        "should contain {actual} elements not {given})"
    ),
    "normalized_shape_batch": (
        "normalized_shape={normalized_shape} reaches into the batch dimension of a {shape} "
        "input; cnncalc keeps the batch apart, so it must have at most {rank} entries"
    ),
    "normalized_shape_mismatch": (
        "Given normalized_shape={normalized_shape}, expected input with shape [*, {dims}], but "
        "got input of shape {shape}"
    ),
    "instance_norm_unbatched": (
        "{name} expects {batched}D input (batch included), got {rank}D input of shape {shape} "
        "with the batch: PyTorch would read it as one unbatched sample, the batch taken for the "
        "channels"
    ),
    "instance_norm_rank": (
        "{name} expects {batched}D input (batch included), got {rank}D input of shape {shape} "
        "with the batch (expected {unbatched}D or {batched}D input (got {rank}D input))"
    ),
    "instance_norm_features": (
        "expected input's size at dim=1 to match num_features ({given}), but got: {actual}."
    ),
    "single_spatial_element": (
        "Expected more than 1 spatial element when training, got input size {shape} (batch "
        "excluded); without track_running_stats the statistics come from the input in eval "
        "mode too"
    ),
    "lrn_rank": (
        "Expected 3D or higher dimensionality input (got {rank} dimensions): LocalResponseNorm "
        "takes C × spatial axes, got {shape}"
    ),
    "num_channels_mismatch": (
        "num_channels is {given} but the incoming tensor has {actual} channels"
    ),
    "num_groups_divide": (
        "num_channels must be divisible by num_groups ({channels} channels, {groups} groups)"
    ),
    "printed_affine": (
        "{name} with bias={bias} and affine={affine} is not supported (the weight and the bias "
        "come together)"
    ),
    "return_indices": "return_indices=True returns a tuple, not a tensor",
    "dim_range": (
        "Dimension out of range (expected to be in range of [{low}, {high}], but got {dim}); "
        "dimensions count the batch as dimension 0"
    ),
    "flatten_order": (
        "flatten() has invalid args: start_dim cannot come after end_dim (start_dim {start}, "
        "end_dim {end})"
    ),
    "flatten_batch": (
        "flattening the batch dimension (start_dim=0) mixes samples; cnncalc keeps the batch "
        "apart, so start_dim must be 1 or more"
    ),
    "in_features_mismatch": (
        "in_features is {given} but the incoming tensor has {actual} features on its last axis "
        "(shape {shape}): mat1 and mat2 shapes cannot be multiplied (1x{actual} and "
        "{given}x{out})"
    ),
    "avgpool1d_divisor": "AvgPool1d has no divisor_override",
    "avgpool3d_input": (
        "input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kt} kH: {kh} kW: {kw})"
    ),
    "adaptive_none": (
        "output_size must be a size or one size per axis; None keeps an axis only inside a "
        "tuple of 2-D or 3-D adaptive pooling (PyTorch: output_size must be tuple of ints)"
    ),
    "adaptive_axes": "output_size has {given} values but the input has {axes} spatial axes",
    "upsample_align_corners": (
        "align_corners option can only be set with the interpolating modes: linear | bilinear "
        "| bicubic | trilinear"
    ),
    "upsample_no_size": "either size or scale_factor should be defined",
    "upsample_size_and_scale": "only one of size or scale_factor should be defined",
    "upsample_size_axes": (
        "Input and output must have the same number of spatial dimensions, but got input with "
        "spatial dimensions of {dims} and output size of {value}."
    ),
    "upsample_scale_factor_axes": (
        "Input and scale_factor must have the same number of spatial dimensions, but got input "
        "with spatial dimensions of {dims} and scale_factor of shape {value}."
    ),
    "upsample_recompute_size": "recompute_scale_factor is not meaningful with an explicit size.",
    "upsample_mode_rank": (
        "{mode} upsampling of a {shape} input: Got {rank}D input, but {mode} mode needs "
        "{needed}D input"
    ),
    "upsample_rank": (
        "{mode} upsampling of a {shape} input: Input Error: Only 3D, 4D and 5D input Tensors "
        "supported (got {rank}D) for the modes: nearest | linear | bilinear | bicubic | "
        "trilinear | lanczos | area | nearest-exact (got {mode})"
    ),
    "upsample_scale_overflow": "scale_factor {value} gives an output size no tensor can have",
    "upsample_output_small": (
        "Input and output sizes should be greater than 0, but got input ({input}) and output "
        "({output})"
    ),
    "shuffle_rank": (
        "{op} expects input to have at least 3 dimensions, but got input with {rank} dimension(s)"
    ),
    "shuffle_batch": (
        "{op} rearranges the last three axes of the batched tensor, so on a {shape} input it "
        "would take the batch as its channels; cnncalc takes it on C×H×W only"
    ),
    "shuffle_depth": (
        "{op} rearranges the last three axes of the batched tensor, so on a {shape} input it "
        "would take the axis of size {size} as its channels; cnncalc takes it on C×H×W only"
    ),
    "pixel_shuffle_channels": (
        "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
        "upscale_factor, but input.size(-3)={channels} is not divisible by {square}"
    ),
    "pixel_unshuffle_height": (
        "pixel_unshuffle expects height to be divisible by downscale_factor, but "
        "input.size({dim})={size} is not divisible by {r}"
    ),
    "pixel_unshuffle_width": (
        "pixel_unshuffle expects width to be divisible by downscale_factor, but "
        "input.size({dim})={size} is not divisible by {r}"
    ),
    "input_rank": (
        "input_shape must be [C, L], [C, H, W], [C, D, H, W] or [F]; got {count} values (at "
        "most {max_rank}, the batch excluded)"
    ),
    "input_axis": "input_shape[{axis}] must be a whole number of at least 1, got {value!r}",
    "input_axis_limit": "input_shape[{axis}] = {value} is over the limit of {limit}",
    "batch_size": "batch_size must be at least 1, got {value!r}",
    "batch_size_limit": "batch_size {value} is over the limit of {limit}",
    "field_limit": "layer {index} ({kind}): {name} = {value} is over the limit of {limit}",
    "layers_limit": "{count} layers is over the limit of {limit}",
    "inexact": (
        "axis {axis}: the stride {stride} does not divide N - K + 2P = {span} ({span} / "
        "{stride} is not whole; PyTorch would floor it)"
    ),
    "output_size_limit": (
        "layer {index} ({kind}): output size {size} on axis {axis} is over the limit of {limit}"
    ),
    "output_elements_limit": (
        "layer {index} ({kind}): the output holds {elements} elements for the batch, over the "
        "limit of {limit}"
    ),
    "answer_object": "an answer must be an object",
    "answer_field": "unknown field {key!r}; an answer may give {fields}",
    "answer_layer": "layer must be the index of a layer, 0 to {last}; got {value!r}",
    "answer_block_field": (
        "{block!r} is a block: an answer naming it may give {fields} (its output's), not "
        "{key}, which would be its layers' sum; name one of its layers"
    ),
    # Grading: each classic mistake's note (``mistake_`` and the ``Mistake``'s value), and the
    # notes on answers (``grading_note_`` and a key, such as a kind's ``course_weight_note``).
    "mistake_forgot_bias": "The bias is forgotten: each filter (or output) also has one bias.",
    "mistake_forgot_2p": "The padding is forgotten: the formula is (N - K + 2P) / S + 1.",
    "mistake_padding_once": "The padding is counted once: it is added on both sides, 2P.",
    "mistake_forgot_floor": (
        "The floor is forgotten: when S does not divide N - K + 2P, PyTorch rounds down."
    ),
    "mistake_rounded_up": (
        "Rounded up: PyTorch rounds down (floor), unless a pooling has ceil_mode=True."
    ),
    "mistake_forgot_plus_one": (
        "The + 1 is forgotten: (N - K + 2P) / S counts the steps, the positions are one more."
    ),
    "mistake_pool_stride_default": "A pooling's stride defaults to its kernel size, not to 1.",
    "mistake_kept_input_channels": (
        "The channels are those of the input: a convolution outputs one channel per filter, C_out."
    ),
    "mistake_c_out_twice": "C_out is multiplied twice: the weight count already includes it.",
    "mistake_forgot_c_out": "That is one filter's count: multiply by the number of filters C_out.",
    "mistake_forgot_c_in": (
        "C_in is forgotten: each filter spans every input channel, C_in × K × K."
    ),
    "mistake_one_bias_only": "Only one bias is counted: there is one per filter (or output).",
    "mistake_counted_buffers": "BatchNorm's running mean and variance are buffers, not parameters.",
    "mistake_k_instead_of_k_minus_1": (
        "K is used instead of K − 1: each layer adds K − 1 pixels, 1 + L × (K − 1)."
    ),
    "mistake_forgot_the_1": "The 1 is forgotten: 1 + L × (K − 1) starts from the single pixel.",
    "mistake_ignored_stride": (
        "The course's formula is used past a stride: 1 + L × (K − 1) holds only while the earlier "
        "strides are 1; after a stride S, neighbouring units are S input pixels apart and each "
        "K − 1 counts that many: r' = r + (K − 1) × j, j' = j × S."
    ),
    "mistake_ignored_pooling": (
        "The pooling layers are ignored: 1 + L × (K − 1) over the convolutions alone leaves out "
        "that each pooling widens the field by (K − 1) × j and that its stride S spreads the units "
        "after it (j' = j × S)."
    ),
    "mistake_wrong_order": "The right sizes in the wrong order: PyTorch writes channels first.",
    "mistake_unreadable": "This answer could not be read as a number or a shape.",
    "grading_note_linear_order": (
        "Correct in the course's order (in × out); PyTorch stores a linear weight as out × in: "
        "{torch}."
    ),
    "grading_note_transposed_order": (
        "PyTorch stores a transposed convolution's weight input-first: C_in × C_out/G × K."
    ),
    "grading_note_no_weight": "This layer has no weight.",
    "grading_note_no_bias": "This layer has no bias.",
    "grading_note_rf_axes": "The axes differ: give one number per axis.",
    # Grading a graph: an answer by id, and the mistakes of branching networks.
    "answer_layer_id": (
        "no layer has the id {value!r}; an answer names a layer by its index (0 to {last}), "
        "by its id, as the analysis reports it, or a sequential block by its id, for its "
        "last layer"
    ),
    "mistake_concat_not_summed": (
        "The sizes along {axis} of a concatenation add up: {axis}' = {terms} = {total}; "
        "{given} is one input's alone."
    ),
    "mistake_merge_counted_params": (
        "{name} has no parameters: a merge only combines its inputs, whose parameters belong to "
        "the layers that made them; {given} counts some, the merge counts 0."
    ),
    "mistake_shortcut_forgotten": (
        "The projection shortcut is forgotten: {layers} ({params} parameters) take the "
        "block's input to the shape the addition needs, and count too."
    ),
    "solve_whole": "{name} must be a whole number of at least {low}",
    "solve_limit": "{name} = {value} is over the limit of {high}",
    "solve_search_limit": (
        "searching {kernels} kernels × {strides} strides × {dilations} dilations is over the "
        "limit of {most} combinations; fix some values"
    ),
    "notation_error": "line {line}, column {column}: {reason}",
    "notation_number": "cannot read the number {text!r}",
    "notation_unclosed": "this string is never closed",
    "notation_character": "unexpected character {char!r}",
    "notation_depth": "brackets are nested more than {depth} deep",
    "notation_layers": "the text stands for more than {limit} layers, the limit",
    "notation_expected": "expected {what}, found {found}",
    "notation_separator": "expected a new line or ',' before the next layer, found {found}",
    "notation_repeat": "a repeat count must be a whole number of at least 1",
    "notation_repeat_limit": "a repeat count of {count} is over the limit of {limit} layers",
    "notation_label": "expected a child's name or number, found {found}",
    "notation_cells": (
        "after a layer, expected a new line, ',' or the sizes of a table row, found {found}"
    ),
    "notation_layer_name": "expected a layer name, found {found}",
    "notation_close": "expected ')'",
    "notation_twice": "{key} is given twice",
    "notation_positional_after": "a positional argument cannot follow a named one",
    "notation_comma_or": "expected ',' or {close}, found {found}",
    "notation_value": "expected a value, found {found}",
    "notation_unknown": "unknown layer {name!r}; did you mean {names}?",
    "notation_unknown_some": "unknown layer {name!r}; known layers include {names}",
    "notation_unknown_field": "{layer} has no field {key!r}; did you mean {names}?",
    "notation_unknown_field_some": "{layer} has no field {key!r}; its fields are {names}",
    "notation_reference": "expected the id of an earlier output after '<-', found {found}",
    "notation_no_keyword": "{layer} takes no keyword, found {key!r}",
    "notation_shortcut_twice": "a Residual has one shortcut: one '|' at most",
    "notation_arrow_kind": "'a -> b' gives the sizes of a linear layer only",
    "notation_arrow_alone": "'a -> b' must be the only argument",
    "notation_positional_count": "{name} takes at most {most} positional arguments, got {given}",
    "warn_unread": (
        "axis {axis}: the stride {stride} does not divide N - K + 2P = {span}, so the size is "
        "rounded ({span} / {stride} + 1 → {size}) and {unread}"
    ),
    "warn_rf_exceeds": (
        "the receptive field ({size}) already exceeds the input ({input}): deeper units see padding"
    ),
    "warn_asymmetric_same": (
        "axis {axis}: padding='same' with an even effective kernel {kernel} pads {left} before "
        "and {right} after"
    ),
    "warn_ceil_window": (
        "axis {axis}: ceil_mode adds a last window that hangs over the input's end and sees "
        "fewer values"
    ),
    "warn_linear_last_axis": (
        "linear acts on the last axis only ({features} features) of a {shape} tensor; add a "
        "flatten first to connect every value"
    ),
    "warn_uneven_adaptive": (
        "axis {axis}: {output} does not divide {input}, so the windows overlap and differ in size"
    ),
    "warn_single_value_channel": (
        "each channel holds one value per sample: training with a batch of 1 fails (Expected "
        "more than 1 value per channel when training)"
    ),
    "warn_single_value_group": (
        "each group holds one value per sample: a batch of 1 fails (Expected more than 1 value "
        "per channel when training)"
    ),
    "warn_num_features_unused": (
        "input's size at dim=1 ({actual}) does not match num_features ({given}); PyTorch warns "
        "and goes on, num_features being unused when affine=False"
    ),
    "warn_single_spatial": (
        "each channel holds one spatial element: training fails (Expected more than "
        "1 spatial element when training); eval mode uses the running statistics"
    ),
    "warn_implicit_dim": (
        "no dim given: PyTorch picks dim={dim} for a {ndim}-D input (batch included); give dim"
    ),
    "warn_implicit_dim_batch": (
        "no dim given: PyTorch picks dim={dim} for a {ndim}-D input (batch included), the batch "
        "itself; give dim"
    ),
    "warn_window_in_padding": "a window covers only padding: its values do not come from the input",
    "warn_dropout_rank": (
        "this channel dropout receives a tensor of another rank than expected: PyTorch treats "
        "it as a plain or unbatched dropout"
    ),
    "warn_rf_average": (
        "{kind} {id}: its units do not all see the same number of input pixels, and "
        "following them one by one would take more than cnncalc allows (a period of at most "
        "{period} units, {steps} steps per network): from here on the receptive field's size "
        "is their average, not the widest unit's"
    ),
    "warn_unused_output": (
        "the output of {id} ({kind}) is used by no layer: this branch does not reach the "
        "network's output"
    ),
    "warn_unaligned_spatial": (
        "{kind} {id}: it puts units side by side along {axis}, so its field depends on "
        "position; the receptive field given is the hull of its inputs' regions (aligned: false)"
    ),
    "warn_unaligned_broadcast": (
        "{kind} {id}: a size 1 of an input is repeated along {axis}, so what its units "
        "see depends on their position; the receptive field given is the hull of its inputs' "
        "regions (aligned: false)"
    ),
    "warn_unaligned_paths": (
        "{kind} {id}: its paths disagree on the {what} along {axis}: {values}; the receptive "
        "field given is the hull of its inputs' regions (aligned: false)"
    ),
    "word_jump": "jump",
    "word_centre": "centre",
    "title_400": "Bad Request",
    "title_404": "Not Found",
    "title_405": "Method Not Allowed",
    "title_408": "Request Timeout",
    "title_413": "Content Too Large",
    "title_415": "Unsupported Media Type",
    "title_422": "Invalid request",
    "title_500": "Internal Server Error",
    "title_503": "Service Unavailable",
    "title_status": "HTTP {status}",
    "title_stack": "Invalid layer stack",
    "title_limit": "Limit exceeded",
    "torch_missing": "the server cannot check with PyTorch: it is not installed there",
    "torch_graph": "the torch check runs chains of layers; branching networks come next",
    "cli_invalid_request": "invalid request: {errors}",
    "at_place": "{where}: {message}",
    "at_layer": "layer {index}",
    "at_layer_field": "layer {index}, {field}",
    "and_more": "; and {count} more",
    "and_at_least_more": "; and at least {count} more",
    "unexpected_error": "an unexpected error occurred; it has been logged",
    "body_not_json": "send the body as application/json",
    "body_too_large": "the request body is over the limit of {limit} bytes",
    "body_timeout": "the request body did not arrive within {seconds:g} s",
    "service_stopping": "the service is stopping; try again in a moment",
    "service_busy": (
        "the service is busy: the work did not finish within {seconds:g} s; try again later"
    ),
    "json_not_utf8": "the body is not UTF-8 (byte {byte})",
    "json_too_deep": "the JSON nests arrays and objects deeper than {depth} levels",
    "json_too_deep_parser": "the JSON nests deeper than {depth} levels",
    "json_syntax": "invalid JSON: {error} at line {line} column {column}",
    "json_lone_surrogate": "a string in the JSON holds a lone surrogate (\\ud800 to \\udfff)",
    "json_long_number": "a number in the JSON has too many digits",
    "json_duplicate_key": "the key {key!r} appears twice in the same JSON object",
    "json_too_many_keys": (
        "the JSON object at {where} has {count} keys; no object of a request has more than {limit}"
    ),
    "json_too_many_items": (
        "the JSON array at {where} has {count} items; no array of a request has more than {limit}"
    ),
    "json_not_acceptable": "the JSON is not acceptable",
    "json_expecting_value": "Expecting value",
    "json_expecting_name": "Expecting property name enclosed in double quotes",
    "json_expecting_colon": "Expecting ':' delimiter",
    "json_expecting_comma": "Expecting ',' delimiter",
    "json_unterminated": "Unterminated string starting at",
    "json_control": "Invalid control character at",
    "json_escape": "Invalid \\escape",
    "json_unicode_escape": "Invalid \\uXXXX escape",
    "json_extra": "Extra data",
    "json_other": "{text}",
    "pydantic.int_type": "Input should be a valid integer",
    "pydantic.int_type_axes": "Input should be a valid integer, or a list of one per spatial axis",
    "pydantic.int_type_axes_or": (
        "Input should be a valid integer, a list of one per spatial axis, or {names}"
    ),
    "pydantic.int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "pydantic.int_from_float": (
        "Input should be a valid integer, got a number with a fractional part"
    ),
    "pydantic.greater_than_equal": "Input should be greater than or equal to {ge}",
    "pydantic.greater_than": "Input should be greater than {gt}",
    "pydantic.less_than_equal": "Input should be less than or equal to {le}",
    "pydantic.less_than": "Input should be less than {lt}",
    "pydantic.multiple_of": "Input should be a multiple of {multiple_of}",
    "pydantic.missing": "Field required",
    "pydantic.extra_forbidden": "Extra inputs are not permitted",
    "pydantic.literal_error": "Input should be {expected}",
    "pydantic.enum": "Input should be {expected}",
    "pydantic.too_long": (
        "{what} should have at most {max_length} item{plural} after validation, not {actual_length}"
    ),
    "pydantic.too_short": (
        "{what} should have at least {min_length} item{plural} after validation, not "
        "{actual_length}"
    ),
    "pydantic.field_list": "List",
    "pydantic.field_tuple": "Tuple",
    "pydantic.field_set": "Set",
    "pydantic.field_dictionary": "Dictionary",
    "pydantic.field_value": "Value",
    "pydantic.string_too_long": "String should have at most {max_length} character{plural}",
    "pydantic.string_too_short": "String should have at least {min_length} character{plural}",
    "pydantic.string_type": "Input should be a valid string",
    "pydantic.string_pattern_mismatch": "String should match pattern '{pattern}'",
    "pydantic.string_unicode": (
        "Input should be a valid string, unable to parse raw data as a unicode string"
    ),
    "pydantic.bool_type": "Input should be a valid boolean",
    "pydantic.bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "pydantic.list_type": "Input should be a valid list",
    "pydantic.tuple_type": "Input should be a valid tuple",
    "pydantic.dict_type": "Input should be a valid dictionary",
    "pydantic.model_attributes_type": (
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "pydantic.model_type": "Input should be a valid dictionary or instance of {class_name}",
    "pydantic.dataclass_type": "Input should be a dictionary or an instance of {class_name}",
    "pydantic.union_tag_invalid": (
        "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: "
        "{expected_tags}"
    ),
    "pydantic.union_tag_not_found": "Unable to extract tag using discriminator {discriminator}",
    "pydantic.float_type": "Input should be a valid number",
    "pydantic.float_parsing": "Input should be a valid number, unable to parse string as a number",
    "pydantic.finite_number": "Input should be a finite number",
    "pydantic.none_required": "Input should be None",
    "pydantic.json_invalid": "Invalid JSON: {error}",
    "pydantic.json_type": "JSON input should be string, bytes or bytearray",
    "pydantic.unknown_layer_type": (
        "unknown or missing layer type: write one such as conv2d, linear, maxpool2d, "
        "avgpool2d, batchnorm2d, relu, flatten, dropout, add or concat"
    ),
    "total_params_sum": "Total number of parameters: the sum over the layers.",
    "pydantic.other": "{message}",
    # --- numbers, the CLI's words and the torch check's reasons, said to a student
    "cli_line": "{label}: {value}",
    "cli_right": "ok",
    "cli_wrong": "NO",
    "cli_expected": "expected",
    "cli_no_solution": "none",
    "cli_col_layer": "Layer",
    "cli_col_output": "Output size",
    "cli_col_weight": "Weight size",
    "cli_col_params": "Params",
    "cli_col_rf": "RF",
    "cli_col_macs": "MACs",
    "cli_col_inputs": "Inputs",
    "cli_input": "Input",
    "cli_total_params": "Total parameters",
    "cli_total_macs": "Total MACs",
    "cli_memory": "Memory (params / activations)",
    "cli_shown": "{count} shown",
    "cli_solutions": "solution(s)",
    "cli_exact": "exact",
    "cli_floored": "floored",
    "cli_score": "Score: {correct}/{total}",
    "cli_pytorch": "PyTorch: {status}",
    "cli_mismatch": "layer {layer} {field}: cnncalc {calculated}, torch {torch}",
    "cli_stack_object": "the stack file must hold a JSON object like the API's request body",
    "cli_unreadable": "cannot read {path}: {reason}",
    "cli_no_file": "no such file",
    "cli_no_access": "permission denied",
    "cli_is_directory": "it is a directory",
    "verify_status_passed": "passed",
    "verify_status_failed": "failed",
    "verify_status_unavailable": "unavailable",
    "verify_too_large": (
        "a tensor of {elements} elements (whole batch) is over the torch check's limit of "
        "{limit} (max_verify_elements)"
    ),
    "verify_busy": "no torch check slot came free within {seconds} s; try again later",
    "verify_start_slow": (
        "the torch check's worker process did not start within {seconds} s (it imports torch); "
        "try again"
    ),
    "verify_start_failed": "the torch check's worker process did not start: {error}",
    "verify_timeout": "the torch check took over {seconds} s; its worker process was stopped",
    "verify_worker_ended": "the torch check's worker process ended ({error})",
    "verify_crashed": "the torch check failed: {kind}: {error}",
    "verify_out_of_memory": "the torch check ran out of memory: {kind}: {error}",
    "verify_graph_refused": "the graph was refused before its layers were checked: {error}",
    "verify_stack_refused": "the stack was refused before its layers were checked: {error}",
    "verify_overflow": "{error}",
    # --- inputs as people write them: channels-last shapes, other libraries' names ---------
    "warn_channels_last": (
        "input_shape {shape} looks channels-last (H × W × C): PyTorch reads it as {channels} "
        'channels of {spatial}. Did you mean {suggested}? Give input_format "HWC" to read '
        'it channels-last, or "CHW" to keep it as it is'
    ),
    "pydantic.input_format_rank": (
        "input_format {given} is for {axes} axes, and input_shape has {rank}: write one of "
        "{expected}"
    ),
    "pydantic.input_format_vector": (
        "input_format {given} is for {axes} axes, and input_shape has {rank}: a vector "
        "takes no input_format"
    ),
    "pydantic.shape_text": (
        "'{given}' is not a shape: write its sizes separated by ×, x or commas (3 × 32 × 32)"
    ),
    "pydantic.layer_type_did_you_mean": "unknown layer type '{given}': did you mean '{near}'?",
    "pydantic.field_did_you_mean": "{kind} has no field '{given}': did you mean '{near}'?",
    "pydantic.foreign_input_shape": (
        "'{given}' is no layer field: the input's shape goes in the request's input_shape "
        "(with input_format HWC for a channels-last one)"
    ),
    "pydantic.foreign_data_format": (
        "'{given}' is no layer field: PyTorch's layers read channels first; a channels-last "
        "input_shape takes input_format HWC in the request"
    ),
    "pydantic.foreign_name": "'{given}' is no layer field: a layer's name is its id",
    "pydantic.foreign_activation": (
        "'{given}' is no layer field: PyTorch writes the activation as a layer of its own, "
        "so add one after this layer (type relu, for instance)"
    ),
    "pydantic.foreign_separable": (
        "'{given}' is two layers in PyTorch: {conv} with groups equal to in_channels "
        "(depthwise), then {conv} with kernel_size 1 (pointwise)"
    ),
    "pydantic.foreign_depthwise": (
        "'{given}' is PyTorch's {conv} with groups equal to in_channels and out_channels "
        "a multiple of it"
    ),
    "pydantic.foreign_caffe_pooling": (
        "'{given}' is Caffe's pooling, which rounds its output up and whose stride defaults "
        "to 1: write {max} (pool MAX) or {avg} (pool AVE) with ceil_mode true and the stride "
        "given"
    ),
    "pydantic.foreign_global_pool": (
        "'{given}' also drops the spatial axes: write {pool} with output_size 1, then flatten"
    ),
    "pydantic.foreign_upsampling": (
        "'{given}' takes a factor as its size: write upsample with scale_factor (PyTorch's "
        "size is the output's size)"
    ),
    "pydantic.foreign_zero_padding": (
        "'{given}' writes its padding ((top, bottom), (left, right)): write {pad} with padding "
        "(left, right, top, bottom)"
    ),
}
