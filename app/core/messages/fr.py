"""Le catalogue français : chaque message par son code, avec les mots du cours.

Les gabarits ont les mêmes paramètres que ceux de ``en.py`` (un test le vérifie).
"""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, str]] = {
    # --- worked steps of the layer kinds and of the receptive field
    "size_conv": (
        "Taille de sortie selon {axes} : entrée {n}, noyau K = {k}, padding P = {p}, pas S = {s}."
    ),
    "size_conv_asym": (
        "Taille de sortie selon {axes} : entrée {n}, noyau K = {k}, padding {pl} avant et {pr} "
        "après, pas S = {s}."
    ),
    "size_pool": (
        "Taille de sortie selon {axes} : entrée {n}, fenêtre K = {k}, padding P = {p}, pas S = {s}."
    ),
    "axes_same": "{name} (de même pour {others})",
    "stride_default": (
        "Le pas n'est pas donné : pour un pooling il vaut par défaut la taille du noyau, S = {s}."
    ),
    "dilation": (
        "La dilatation D = {d} écarte les {k} coefficients du noyau : il couvre D × (K - 1) + 1 "
        "= {keff} entrées."
    ),
    "same": (
        "padding='same' garde la taille (pas de 1) : il ajoute D × (K - 1) = {total} au total, "
        "{pl} avant et {pr} après."
    ),
    "valid": "padding='valid' veut dire sans padding : P = 0.",
    "exact": (
        "{span} / {s} tombe juste : la dernière fenêtre s'arrête pile à la fin de l'entrée avec "
        "son padding."
    ),
    "floor": (
        "{span} / {s} n'est pas entier : PyTorch arrondit à l'entier inférieur (partie "
        "entière), donc {left}."
    ),
    "ceil": (
        "{span} / {s} n'est pas entier et ceil_mode=True : PyTorch arrondit à l'entier "
        "supérieur, ce qui ajoute une dernière fenêtre qui déborde."
    ),
    "ceil_drop": (
        "Mais cette dernière fenêtre commencerait dans le padding de droite, (O - 1) × S = ({o} "
        "- 1) × {s} = {start} ≥ N + P = {n} + {p} = {end} : PyTorch la retire."
    ),
    "unread": "les {u} dernières {units} de l'entrée ne sont jamais lues",
    "unread_one": "la dernière {unit} de l'entrée n'est jamais lue",
    "units_row": "lignes",
    "units_column": "colonnes",
    "units_position": "positions",
    "units_slice": "tranches",
    "unit_row": "ligne",
    "unit_column": "colonne",
    "unit_position": "position",
    "unit_slice": "tranche",
    "unread_pad": "seul du padding est laissé de côté",
    "transposed": (
        "Taille de sortie selon {axes} de la convolution transposée : entrée {n}, noyau K = "
        "{k}, pas S = {s}, padding P = {p}, output_padding OP = {op} ; c'est la formule de la "
        "convolution à l'envers."
    ),
    "adaptive_given": "Le pooling adaptatif reçoit sa taille de sortie selon {axes} : {m}.",
    "adaptive_kept": "Taille de sortie None selon {axes} : la taille d'entrée {n} est gardée.",
    "adaptive_even": "{m} divise {n} : c'est un pooling de noyau et de pas N / M = {k}.",
    "adaptive_uneven": (
        "{m} ne divise pas {n} : la fenêtre i couvre les entrées ⌊i × N / M⌋ à ⌈(i + 1) × N / "
        "M⌉ ; les fenêtres se chevauchent et n'ont pas toutes la même taille, la plus large en "
        "couvre {widest}."
    ),
    "out_conv": "Donc la sortie fait {shape} : un canal par filtre (C_out = {c}).",
    "pad_zero": "{name} remplit le nouveau bord avec des zéros.",
    "pad_constant": "{name} remplit le nouveau bord avec la valeur {value}.",
    "pad_reflect": (
        "{name} remplit le nouveau bord avec le reflet de l'entrée par rapport à son bord, sans "
        "répéter la valeur du bord : de chaque côté, le padding doit être plus petit que "
        "l'entrée selon cet axe."
    ),
    "pad_replicate": "{name} remplit le nouveau bord en recopiant la valeur du bord.",
    "pad_axis": (
        "Taille de sortie selon {axes} : entrée {n}, padding {before} avant ({first}) et {after} "
        "après ({second}) ; pas de fenêtre, les tailles s'additionnent simplement."
    ),
    "pad_crop": (
        "Un padding négatif rogne au contraire : l'entrée perd {cut} au total selon {axes}."
    ),
    "side_left": "à gauche",
    "side_right": "à droite",
    "side_top": "en haut",
    "side_bottom": "en bas",
    "side_front": "devant",
    "side_back": "derrière",
    "out_pad": "Donc la sortie fait {shape} : le padding garde les {c} canaux.",
    "params_none_pad": (
        "Pas de paramètres à apprendre : le padding ne fait qu'ajouter (ou retirer) des valeurs "
        "au bord."
    ),
    "rf_shift": (
        "Champ réceptif selon {axes} : une fenêtre d'une seule valeur et de pas 1 garde la "
        "taille r = {r} et l'écart j = {jump}."
    ),
    "rf_start": (
        "Seul le centre de la première sortie se déplace, des P = {p} valeurs de padding avant "
        "l'axe (un P négatif rogne et le déplace dans l'autre sens)."
    ),
    "out_pool": "Donc la sortie fait {shape} : le pooling garde les {c} canaux.",
    "out_kept": "La taille ne change pas : {shape}.",
    "out_flatten": "Flatten met le tenseur {shape_in} à plat en un vecteur de {n} valeurs.",
    "out_flatten_part": (
        "Flatten fusionne les dimensions {start} à {end} (le batch est la dimension 0) : {shape}."
    ),
    "out_linear": "Une couche linéaire donne out_features = {m} valeurs.",
    "out_linear_last": (
        "Une couche linéaire n'agit que sur le dernier axe ({n} valeurs) et garde les autres : "
        "{shape}."
    ),
    "groups": "Avec groups G = {g}, chaque filtre ne voit que les C_in / G canaux de son groupe.",
    "weight_conv": (
        "Taille du tenseur de poids : un filtre de taille {filter} par canal de sortie (C_out = "
        "{c})."
    ),
    "weight_transposed": (
        "Taille du tenseur de poids : PyTorch range les poids d'une convolution transposée "
        "entrée d'abord, C_in × C_out/G × noyau."
    ),
    "weight_linear": (
        "Matrice de poids : PyTorch la range en out_features × in_features = {out}×{inn} (le "
        "tableau du cours l'écrit entrée × sortie, {inn} x {out})."
    ),
    "weight_norm": "Poids (échelle γ) : un par {what}.",
    "weight_prelu": "Poids : {n} pente{plural} négative{plural} apprise{plural}.",
    "bias_conv": "Biais : un par filtre.",
    "bias_linear": "Biais : un par sortie.",
    "bias_norm": "Biais (décalage β) : un par {what}.",
    "no_bias": "Pas de biais (bias=False).",
    "no_affine": "Ni échelle γ ni décalage β ({flag}=False) : rien à apprendre.",
    "out_shape": "Donc la sortie fait {shape}.",
    "params_filter": "Chaque filtre a {per} poids plus 1 biais.",
    "params_conv": (
        "Nombre de paramètres : {each} par filtre, multiplié par le nombre de filtres C_out = {c}."
    ),
    "params_conv_nobias": "Nombre de paramètres : les poids seuls, sans biais.",
    "params_transposed": "Nombre de paramètres : les poids plus un biais par canal de sortie.",
    "params_linear": "Nombre de paramètres : chacune des {out} sorties a {inn} poids plus 1 biais.",
    "params_norm": "Nombre de paramètres : γ et β, {n} chacun.",
    "params_norm_weight": "Nombre de paramètres : γ seul, {n}.",
    "params_prelu": "Nombre de paramètres : les pentes.",
    "buffers": (
        "running_mean et running_var ({c} chacun) et num_batches_tracked sont des buffers, pas "
        "des paramètres : ils ne sont pas appris."
    ),
    "upsample_size": "La taille de sortie selon {axes} est donnée : size = {m}.",
    "upsample_scale": (
        "Taille de sortie selon {axes} : PyTorch multiplie l'entrée {n} par scale_factor = {s} "
        "en virgule flottante et arrondit à l'entier inférieur (partie entière)."
    ),
    "upsample_nearest": (
        "Mode nearest : chaque valeur de sortie recopie la valeur d'entrée la plus proche "
        "avant elle."
    ),
    "upsample_interpolate": (
        "Mode {mode} : chaque valeur de sortie interpole les {taps} valeurs d'entrée les plus "
        "proches selon chaque axe, {corners}."
    ),
    "upsample_corners": (
        "les valeurs des coins de l'entrée et de la sortie alignées (align_corners=True)"
    ),
    "upsample_centres": "les centres des pixels alignés (align_corners=False)",
    "out_upsample": "Donc la sortie fait {shape} : le suréchantillonnage garde les {c} canaux.",
    "pixelshuffle": (
        "PixelShuffle avec r = {r} range des canaux dans l'espace : chaque groupe de "
        "r² = {r2} canaux devient un bloc de r × r pixels, donc les canaux sont divisés par "
        "{r2}, la hauteur et la largeur multipliées par {r}."
    ),
    "pixelunshuffle": (
        "PixelUnshuffle avec r = {r} range l'espace dans les canaux : chaque bloc de r × r "
        "pixels devient r² = {r2} canaux, donc les canaux sont multipliés par {r2}, la hauteur "
        "et la largeur divisées par {r}."
    ),
    "space_times": "Selon {axes} : multipliée par r = {r}.",
    "space_divided": "Selon {axes} : divisée par r = {r}.",
    "params_none_resample": (
        "Pas de paramètres à apprendre : la couche ne fait que déplacer, répéter ou interpoler "
        "des valeurs."
    ),
    "params_none_pool": (
        "Pas de paramètres à apprendre : le pooling applique une fenêtre sans poids."
    ),
    "params_none": "Pas de paramètres à apprendre.",
    "kept_activation": "{name} s'applique valeur par valeur.",
    "kept_dropout": (
        "Le dropout met à zéro {what} avec la probabilité p = {p} pendant l'entraînement, et ne "
        "fait rien en évaluation."
    ),
    "what_channel": "canal",
    "what_normalised": "valeur normalisée ({shape})",
    "what_values": "des valeurs",
    "what_channels": "des canaux entiers",
    "kept_softmax": "{name} normalise selon la dimension {dim} (le batch est la dimension 0).",
    "kept_norm": "{name} normalise sans changer la taille.",
    "kept_instance_norm": (
        "{name} normalise chaque canal de chaque exemple sur ses {n} valeurs spatiales (leur "
        "moyenne et leur variance), sans changer la taille."
    ),
    "kept_lrn": (
        "LocalResponseNorm divise chaque valeur par une puissance de la somme des carrés sur "
        "n = {n} canaux voisins, {before} avant et {after} après le sien (des zéros au-delà des "
        "{c} canaux), sans changer la taille."
    ),
    "params_lrn": "Pas de paramètres à apprendre : n, α, β et k sont fixés à la main.",
    "rf_shortcut": (
        "Champ réceptif selon {axes} : les couches jusqu'ici ont des filtres de taille K = {k} "
        "et les précédentes un pas de 1, donc la formule du cours s'applique : après L couches "
        "(ici L = {layers}), une sortie « voit » 1 + L × (K − 1) pixels de l'entrée. Elle "
        "concorde avec la règle générale r' = r + (K − 1) × j, j' = j × S, car jusqu'à cette "
        "couche chaque saut j vaut 1."
    ),
    "rf_sum": (
        "Champ réceptif selon {axes} : les couches précédentes ont un pas de 1, donc chaque "
        "couche ajoute K − 1 pixels au premier : c'est la formule du cours, qui concorde avec "
        "la règle générale r' = r + (K − 1) × j, j' = j × S, car jusqu'à cette couche chaque "
        "saut j vaut 1."
    ),
    "rf_step": (
        "Champ réceptif selon {axes} : r augmente de (K_eff − 1) × j, où j = {jump} est "
        "l'écart, en pixels de l'entrée, entre deux sorties voisines avant cette couche ; j est "
        "ensuite multiplié par le pas."
    ),
    "rf_phases": (
        "Champ réceptif selon {axes} : après un suréchantillonnage, des sorties voisines ne "
        "lisent pas toutes le même nombre de pixels de l'entrée (cela dépend de leur "
        "position), donc r + (K_eff − 1) × j ne vaut plus pour chacune ; comptées une à une "
        "sur une période, la plus large voit {size} pixels."
    ),
    "rf_phases_none": (
        "Champ réceptif selon {axes} : après un suréchantillonnage, les sorties que garde "
        "cette couche ne lisent aucune valeur propre de l'entrée (seulement les zéros insérés "
        "entre elles, ou du remplissage) : aucune ne voit de pixel de l'entrée, sa sortie n'en "
        "dépend donc pas."
    ),
    "rf_transposed": (
        "Champ réceptif selon {axes} : une sortie de la convolution transposée rassemble des "
        "entrées réparties sur Δ + 1 = {span} + 1 d'entre elles, donc r augmente de Δ × j (j = "
        "{jump} avant cette couche) ; les sorties se rapprochent : j est divisé par le pas."
    ),
    "rf_jump_div": "L'écart entre sorties voisines est divisé par le pas.",
    "rf_jump_mul": "L'écart entre sorties voisines est multiplié par le pas.",
    "rf_kept": "Champ réceptif inchangé selon {axes} : cette couche agit valeur par valeur.",
    "rf_global": (
        "Après cette couche chaque valeur dépend de toute l'entrée : le champ réceptif est "
        "l'entrée entière."
    ),
    "rf_exceeds": (
        "Le champ réceptif dépasse l'entrée ({input}) : sa partie extérieure ne voit que du "
        "padding."
    ),
    "merge_one": "{name} d'une seule entrée la transmet telle quelle.",
    "merge_elementwise": (
        "{name} prend {n} entrées ({shapes}) et les combine valeur par valeur : leurs formes "
        "doivent être égales, sauf qu'une taille 1 est répétée pour égaler l'autre (le "
        "broadcasting de PyTorch)."
    ),
    "merge_broadcast": "Selon {axis}, une taille 1 est répétée {n} fois.",
    "merge_concat": (
        "torch.cat met ses {n} entrées ({shapes}) bout à bout selon la dimension {dim} ({axis}, "
        "le batch étant la dimension 0) : les tailles selon {axis} s'additionnent, et toutes "
        "les autres doivent être égales."
    ),
    "params_merge": (
        "Pas de paramètres à apprendre : une fusion combine ses entrées sans poids, et son "
        "travail valeur par valeur ne compte aucune multiplication-accumulation."
    ),
    "rf_merge": (
        "Cette couche reçoit plusieurs chemins ; ses unités voient la réunion de ce qu'ils "
        "voient : du premier au dernier pixel d'entrée atteint par un chemin, sur chaque axe."
    ),
    "rf_moved": (
        "Selon {axis}, les unités de cette couche viennent d'endroits différents de ses "
        "entrées (mises côte à côte, ou une taille 1 répétée) : ce qu'une unité voit dépend "
        "de sa place ; la taille donnée est celle de la première unité, l'enveloppe des "
        "régions de ses entrées."
    ),
    # --- the course's receptive field and the general rule, side by side
    "rf_course_stops": (
        "Champ réceptif selon {axes} : la formule du cours 1 + L × (K − 1) ne s'applique plus "
        "ici. Elle suppose que toutes les couches précédentes ont un pas (stride) de 1, or la "
        "couche {index} ({kind}) a un pas S = {stride} : après elle, on fait des sauts de plus "
        "d'un pixel de l'entrée entre deux sorties voisines (ici j = {jump}), donc chaque K − 1 "
        "compte pour j pixels de l'entrée. Utilisée au-delà de ce pas, comme si tous les pas "
        "valaient 1, la formule du cours donne {course} ; la règle générale donne {general}."
    ),
    "rf_course_no_pool": (
        "En ne comptant que les convolutions, comme si les couches de pooling n'étaient pas là, "
        "la formule du cours donne {value} ; mais un pooling est aussi une fenêtre : il élargit "
        "le champ de (K − 1) × j, et son pas écarte les sorties qui le suivent."
    ),
    "rf_general": (
        "La règle générale, valable pour tout pas, selon {axes} : r augmente de (K_eff − 1) × j, "
        "où j = {jump} est l'écart (le saut), en pixels de l'entrée, entre deux sorties voisines "
        "avant cette couche ; j est ensuite multiplié par le pas."
    ),
    "dim_implicit": "(implicite)",
    "or_join": "{head} ou {last}",
    "word_body": "corps de la requête",
    "word_name": "un nom",
    "word_number": "un nombre",
    "word_end_of_text": "la fin du texte",
    "word_end_of_line": "la fin de la ligne",
    "shape_spatial": "C×(axes spatiaux)",
    "shape_any_spatial": "un tenseur avec des axes spatiaux",
    "layer_error": "couche {index} ({type}) : {message}",
    "layer_error_named": "couche {index} ({type}, {name}) : {message}",
    "concat_batch": (
        "concaténer selon le batch (dim 0) mélange les exemples ; cnncalc garde le batch à part, "
        "donc dim doit valoir 1 (les canaux) ou plus"
    ),
    "concat_rank": (
        "les tenseurs doivent avoir le même nombre de dimensions : {rank_a} et {rank_b} reçus "
        "({shape_a} et {shape_b}, batch compris)"
    ),
    "concat_sizes": (
        "les tailles des tenseurs doivent être égales sauf selon la dimension {cat_dim} : taille "
        "{size_a} attendue mais {size_b} reçue pour le tenseur numéro {b} de la liste (dimension "
        "{dim} : {shape_a} et {shape_b})"
    ),
    "broadcast_rank": (
        "{op} d'un tenseur {shape_a} et d'un tenseur {shape_b} : avec le batch ils ont {rank_a} "
        "et {rank_b} dimensions ; PyTorch alignerait le batch du plus petit sur un axe de "
        "valeurs du plus grand, donnez-leur donc le même nombre de dimensions (une taille 1 est "
        "répétée)"
    ),
    "broadcast_sizes": (
        "la taille du tenseur a ({size_a}) doit être égale à celle du tenseur b ({size_b}) selon "
        "la dimension {dim}, qui ne vaut 1 dans aucun des deux"
    ),
    "merge_inputs": "entrées {input_a!r} et {input_b!r} : {message}",
    "graph_empty_layers": (
        "un bloc {kind} demande au moins une couche dans layers (une identité s'écrit "
        '{{"type": "identity"}})'
    ),
    "graph_empty_branch": (
        "un bloc {kind} demande au moins une couche dans chaque branche (une identité "
        's\'écrit {{"type": "identity"}})'
    ),
    "graph_layers_limit": (
        "le réseau compte plus de {limit} couches une fois les blocs et les répétitions "
        "développés, au-delà de la limite de {limit}"
    ),
    "graph_one_input": (
        "{kind} prend une entrée, mais inputs en nomme {count} ; seuls add, mul et concat en "
        "prennent plusieurs"
    ),
    "graph_block_one_input": "un bloc {kind} prend une entrée, mais inputs en nomme {count}",
    "graph_name_twice": (
        "le nom {name!r} est donné deux fois : ids et positions font le nom pointé de chaque "
        "couche, qui doit être unique"
    ),
    "graph_reserved_id": '"input" est réservé : il désigne l\'entrée du réseau',
    "graph_id_twice": "l'id {id!r} est donné deux fois",
    "graph_unknown_input": (
        "inputs[{j}] nomme {ref!r}, qu'aucune couche précédente n'a pour id ; une couche ne peut "
        "prendre que l'entrée ou la sortie d'une couche qui la précède"
    ),
    "graph_chain_only": (
        "{what} ne prend pour l'instant qu'une suite de couches ; un réseau à branches (fusions "
        "de plusieurs entrées, blocs residual ou parallel, inputs qui sautent des couches) "
        "s'analyse avec POST /v1/analyze"
    ),
    "part_export": "l'export vers PyTorch",
    "part_course_table": "le tableau du cours",
    "part_grading": "la correction",
    "kernel_too_large": (
        "le noyau ({kernel}) est plus grand que l'entrée avec son padding ({padded}) : PyTorch "
        "refuse un noyau plus grand que l'entrée"
    ),
    "dilated_kernel_too_large": (
        "le noyau dilaté ({kernel}) est plus grand que l'entrée avec son padding ({padded}) : "
        "PyTorch refuse un noyau plus grand que l'entrée"
    ),
    "pool_padding_too_large": (
        "le padding doit valoir au plus la moitié du noyau, or padding={padding}, "
        "kernel_size={kernel} et dilation={dilation}"
    ),
    "pool_kernel_too_large": (
        "le noyau ({kernel}) est plus grand que l'entrée avec son padding ({padded}) : la "
        "taille de sortie serait trop petite"
    ),
    "transposed_output_too_small": (
        "un padding de {padding} donne une taille de sortie de {size} ; elle doit valoir au moins 1"
    ),
    "in_channels_mismatch": (
        "in_channels vaut {given} mais le tenseur d'entrée a {actual} canaux (taille {shape})"
    ),
    "groups_divide": "{name} doit être divisible par groups ({name} = {count}, groups = {groups})",
    "kernel_axes": (
        "kernel_size a {given} valeurs mais l'entrée a {axes} axes spatiaux (il faut un seul "
        "entier ou une liste de {axes} valeurs)"
    ),
    "same_with_stride": "padding='same' n'est pas possible avec un pas (stride) différent de 1",
    "padding_mode_axes": (
        "padding_mode={mode!r} demande un padding par axe spatial ou un seul entier : {given} "
        "valeurs données pour {axes} axes (PyTorch refuse un padding de taille {size} pour un "
        "tenseur d'entrée à {rank} dimensions)"
    ),
    "pad_sides_1": "gauche, droite",
    "pad_sides_2": "gauche, droite, haut, bas",
    "pad_sides_3": "gauche, droite, haut, bas, devant, derrière",
    "pad_count_odd": (
        "padding a {given} valeurs ; {name} prend un entier ou {want} valeurs ({sides}) "
        "(PyTorch : le nombre de valeurs de padding doit être pair)"
    ),
    "pad_count_pairs": (
        "padding a {given} valeurs ; {name} prend un entier ou {want} valeurs ({sides}) ; "
        "{pairs} paires rembourreraient d'autres axes que les axes spatiaux, ce que cnncalc ne "
        "modélise pas"
    ),
    "pad_reflect_too_large": (
        "le padding par réflexion ({before}, {after}) selon {axis} doit être plus petit que la "
        "taille {size} de l'entrée selon cet axe (PyTorch : le padding doit être plus petit que "
        "la dimension d'entrée)"
    ),
    "pad_crop_too_large": (
        "le padding ({before}, {after}) selon {axis} retire {cut} valeurs d'une entrée de taille "
        "{size} : il ne reste rien à rogner (PyTorch : narrow() refuse une longueur négative)"
    ),
    "pad_output_too_small": (
        "le padding ({before}, {after}) selon {axis} laisse une taille de sortie de {out} à "
        "partir de {size} ; elle doit valoir au moins 1"
    ),
    "reflect_padding_too_large": (
        "le padding reflect {padding} doit être plus petit que la taille d'entrée {size} sur "
        "l'axe {axis} (PyTorch : le padding doit être plus petit que la dimension d'entrée)"
    ),
    "circular_padding_too_large": (
        "le padding circular {padding} dépasse la taille d'entrée {size} sur l'axe {axis} "
        "(PyTorch : le padding ferait plus d'un tour)"
    ),
    "transposed_padding_mode": 'seul padding_mode="zeros" est possible pour {name}',
    "output_padding_too_large": (
        "output_padding ({output_padding}) doit être plus petit que le pas ({stride}) ou que la "
        "dilatation ({dilation}) sur l'axe {axis}"
    ),
    "rank_spatial": (
        "{kind} attend une entrée {want}, mais reçoit un tenseur de taille {shape} (PyTorch "
        "attend une entrée à {unbatched} dimensions sans batch ou {batched} avec)"
    ),
    "axes_count_one": "{field} a {given} valeurs mais l'entrée a {axes} axe spatial",
    "axes_count": "{field} a {given} valeurs mais l'entrée a {axes} axes spatiaux",
    "prelu_parameters": (
        "le nombre de pentes ne correspond pas au nombre de canaux : num_parameters = {given} "
        "et {actual} canaux (entrée {shape})"
    ),
    "dropout_rank": (
        "{kind} attend une entrée à {want} dimensions (batch compris), reçoit {rank} dimensions "
        "(taille {shape} avec le batch)"
    ),
    "norm_rank": (
        "{name} attend une entrée {want} (batch compris), reçoit une entrée {rank}D de taille "
        "{shape} avec le batch"
    ),
    "num_features_mismatch": (
        "num_features vaut {given} mais le tenseur d'entrée a {actual} canaux (running_mean "
        "aurait {actual} éléments et non {given})"
    ),
    "normalized_shape_batch": (
        "normalized_shape={normalized_shape} déborde sur la dimension du batch d'une entrée "
        "{shape} ; cnncalc garde le batch à part, donc elle a au plus {rank} valeurs"
    ),
    "normalized_shape_mismatch": (
        "normalized_shape={normalized_shape} demande une entrée de taille [*, {dims}], or "
        "l'entrée est de taille {shape}"
    ),
    "instance_norm_unbatched": (
        "{name} attend une entrée {batched}D (batch compris), reçoit une entrée {rank}D de "
        "taille {shape} avec le batch : PyTorch la lirait comme un seul exemple sans batch, le "
        "batch pris pour les canaux"
    ),
    "instance_norm_rank": (
        "{name} attend une entrée {batched}D (batch compris), reçoit une entrée {rank}D de "
        "taille {shape} avec le batch (PyTorch attend {unbatched}D ou {batched}D)"
    ),
    "instance_norm_features": (
        "la taille de l'entrée selon dim=1 ({actual}) doit valoir num_features ({given})"
    ),
    "single_spatial_element": (
        "une seule valeur spatiale par canal dans un tenseur {shape} (sans le batch) : sans "
        "track_running_stats, les statistiques viennent de l'entrée, en évaluation aussi "
        "(PyTorch demande plus d'une valeur spatiale)"
    ),
    "lrn_rank": (
        "LocalResponseNorm attend au moins 3 dimensions batch compris, soit C × des axes "
        "spatiaux ; reçoit {rank} dimensions, de taille {shape}"
    ),
    "num_channels_mismatch": "num_channels vaut {given} mais le tenseur d'entrée a {actual} canaux",
    "num_groups_divide": (
        "le nombre de canaux doit être divisible par num_groups ({channels} canaux, {groups} "
        "groupes)"
    ),
    "printed_affine": (
        "{name} avec bias={bias} et affine={affine} n'est pas pris en charge (le poids et le "
        "biais vont ensemble)"
    ),
    "return_indices": "return_indices=True renvoie un tuple, pas un tenseur",
    "dim_range": (
        "dimension hors limites (attendue entre {low} et {high}, reçue {dim}) ; le batch est la "
        "dimension 0"
    ),
    "flatten_order": (
        "flatten() : start_dim ne peut pas venir après end_dim (start_dim {start}, end_dim {end})"
    ),
    "flatten_batch": (
        "aplatir la dimension du batch (start_dim=0) mélange les exemples ; cnncalc garde le "
        "batch à part, donc start_dim vaut au moins 1"
    ),
    "in_features_mismatch": (
        "in_features vaut {given} mais le tenseur d'entrée a {actual} valeurs sur son dernier "
        "axe (taille {shape}) : les matrices 1x{actual} et {given}x{out} ne peuvent pas être "
        "multipliées"
    ),
    "avgpool1d_divisor": "AvgPool1d n'a pas de divisor_override",
    "avgpool3d_input": (
        "l'entrée (T : {t}, H : {h}, W : {w}) est plus petite que le noyau (kT : {kt}, kH : "
        "{kh}, kW : {kw})"
    ),
    "adaptive_none": (
        "output_size doit être une taille ou une taille par axe ; None ne garde un axe que dans "
        "un tuple d'un pooling adaptatif 2-D ou 3-D (PyTorch veut un tuple d'entiers)"
    ),
    "adaptive_axes": "output_size a {given} valeurs mais l'entrée a {axes} axes spatiaux",
    "upsample_align_corners": (
        "align_corners ne se donne qu'avec un mode qui interpole : linear, bilinear, bicubic "
        "ou trilinear"
    ),
    "upsample_no_size": "il faut donner size ou scale_factor",
    "upsample_size_and_scale": "size et scale_factor ne se donnent pas ensemble ; un seul",
    "upsample_size_axes": ("size {value} n'a pas une valeur par axe spatial de l'entrée {dims}"),
    "upsample_scale_factor_axes": (
        "scale_factor {value} n'a pas une valeur par axe spatial de l'entrée {dims}"
    ),
    "upsample_recompute_size": (
        "recompute_scale_factor n'a pas de sens quand la taille size est donnée"
    ),
    "upsample_mode_rank": (
        "le mode {mode} sur une entrée {shape} : il prend une entrée à {needed} dimensions "
        "(batch compris), pas {rank}"
    ),
    "upsample_rank": (
        "le mode {mode} sur une entrée {shape} : PyTorch ne suréchantillonne que des tenseurs "
        "à 3, 4 ou 5 dimensions (batch compris), et bicubic seulement à 4 ; celui-ci en a {rank}"
    ),
    "upsample_scale_overflow": (
        "scale_factor {value} donne une taille de sortie qu'aucun tenseur ne peut avoir"
    ),
    "upsample_output_small": (
        "les tailles d'entrée et de sortie doivent être plus grandes que 0 ; entrée ({input}), "
        "sortie ({output})"
    ),
    "shuffle_rank": (
        "{op} attend une entrée d'au moins 3 dimensions (batch compris) ; celle-ci en a {rank}"
    ),
    "shuffle_batch": (
        "{op} réarrange les trois derniers axes du tenseur avec son batch : sur une entrée "
        "{shape}, il prendrait le batch pour les canaux ; cnncalc le prend sur C×H×W seulement"
    ),
    "shuffle_depth": (
        "{op} réarrange les trois derniers axes du tenseur avec son batch : sur une entrée "
        "{shape}, il prendrait l'axe de taille {size} pour les canaux ; cnncalc le prend sur "
        "C×H×W seulement"
    ),
    "pixel_shuffle_channels": (
        "pixel_shuffle demande un nombre de canaux divisible par le carré de upscale_factor : "
        "{channels} canaux ne sont pas divisibles par {square}"
    ),
    "pixel_unshuffle_height": (
        "pixel_unshuffle demande une hauteur divisible par downscale_factor : input.size({dim}) "
        "= {size} n'est pas divisible par {r}"
    ),
    "pixel_unshuffle_width": (
        "pixel_unshuffle demande une largeur divisible par downscale_factor : input.size({dim}) "
        "= {size} n'est pas divisible par {r}"
    ),
    "input_rank": (
        "input_shape doit être [C, L], [C, H, W], [C, D, H, W] ou [F] ; {count} valeurs données "
        "(au plus {max_rank}, sans le batch)"
    ),
    "input_axis": "input_shape[{axis}] doit être un entier d'au moins 1, reçu {value!r}",
    "input_axis_limit": "input_shape[{axis}] = {value} dépasse la limite de {limit}",
    "batch_size": "batch_size doit valoir au moins 1, reçu {value!r}",
    "batch_size_limit": "batch_size {value} dépasse la limite de {limit}",
    "field_limit": "couche {index} ({kind}) : {name} = {value} dépasse la limite de {limit}",
    "layers_limit": "{count} couches dépassent la limite de {limit}",
    "inexact": (
        "axe {axis} : le pas {stride} ne divise pas N - K + 2P = {span} ({span} / {stride} "
        "n'est pas entier ; PyTorch arrondirait à l'entier inférieur)"
    ),
    "output_size_limit": (
        "couche {index} ({kind}) : la taille de sortie {size} sur l'axe {axis} dépasse la "
        "limite de {limit}"
    ),
    "output_elements_limit": (
        "couche {index} ({kind}) : la sortie compte {elements} éléments pour le batch, au-delà "
        "de la limite de {limit}"
    ),
    "answer_object": "une réponse doit être un objet",
    "answer_field": "champ inconnu {key!r} ; une réponse peut donner {fields}",
    "answer_layer": "layer doit être l'indice d'une couche, de 0 à {last} ; reçu {value!r}",
    "answer_block_field": (
        "{block!r} est un bloc : une réponse qui le désigne peut donner {fields} (ceux de sa "
        "sortie), pas {key}, qui serait la somme de ses couches ; désignez l'une d'elles"
    ),
    # Correction : la note de chaque erreur classique (``mistake_`` et la valeur de ``Mistake``),
    # et les remarques sur les réponses (``grading_note_``).
    "mistake_forgot_bias": "Le biais est oublié : chaque filtre (ou sortie) a aussi un biais.",
    "mistake_forgot_2p": "Le padding est oublié : la formule est (N - K + 2P) / S + 1.",
    "mistake_padding_once": "Le padding n'est compté qu'une fois : il s'ajoute des deux côtés, 2P.",
    "mistake_forgot_floor": (
        "L'arrondi est oublié : quand S ne divise pas N - K + 2P, PyTorch arrondit à l'entier "
        "inférieur."
    ),
    "mistake_rounded_up": (
        "Arrondi vers le haut : PyTorch arrondit à l'entier inférieur, sauf un pooling avec "
        "ceil_mode=True."
    ),
    "mistake_forgot_plus_one": (
        "Le + 1 est oublié : (N - K + 2P) / S compte les pas, les positions sont une de plus."
    ),
    "mistake_pool_stride_default": "Le pas d'un pooling vaut par défaut la taille du noyau, pas 1.",
    "mistake_kept_input_channels": (
        "Les canaux sont ceux de l'entrée : une convolution sort un canal par filtre, C_out."
    ),
    "mistake_c_out_twice": "C_out est multiplié deux fois : le nombre de poids le contient déjà.",
    "mistake_forgot_c_out": (
        "C'est le compte d'un seul filtre : il faut multiplier par le nombre de filtres C_out."
    ),
    "mistake_forgot_c_in": (
        "C_in est oublié : chaque filtre couvre tous les canaux d'entrée, C_in × K × K."
    ),
    "mistake_one_bias_only": "Un seul biais est compté : il y en a un par filtre (ou par sortie).",
    "mistake_counted_buffers": (
        "La moyenne et la variance courantes de BatchNorm sont des buffers, pas des paramètres."
    ),
    "mistake_k_instead_of_k_minus_1": (
        "K est utilisé au lieu de K − 1 : chaque couche ajoute K − 1 pixels, 1 + L × (K − 1)."
    ),
    "mistake_forgot_the_1": "Le 1 est oublié : 1 + L × (K − 1) part du pixel seul.",
    "mistake_ignored_stride": (
        "La formule du cours est utilisée après un pas (stride) : 1 + L × (K − 1) ne vaut que tant "
        "que les pas précédents valent 1 ; après un pas S, on fait des sauts de S pixels de "
        "l'entrée et chaque K − 1 compte pour autant : r' = r + (K − 1) × j, j' = j × S."
    ),
    "mistake_ignored_pooling": (
        "Les couches de pooling sont ignorées : 1 + L × (K − 1) sur les seules convolutions oublie "
        "que chaque pooling élargit le champ de (K − 1) × j et que son pas (stride) S écarte les "
        "sorties qui le suivent (j' = j × S)."
    ),
    "mistake_wrong_order": (
        "Les bonnes tailles dans le mauvais ordre : PyTorch met les canaux en premier."
    ),
    "mistake_unreadable": "Cette réponse ne se lit ni comme un nombre ni comme une forme.",
    "grading_note_linear_order": (
        "Correct dans l'ordre du cours (entrée × sortie) ; PyTorch range les poids d'une couche "
        "linéaire en sortie × entrée : {torch}."
    ),
    "grading_note_transposed_order": (
        "PyTorch range les poids d'une convolution transposée entrée d'abord : C_in × C_out/G × K."
    ),
    "grading_note_no_weight": "Cette couche n'a pas de poids.",
    "grading_note_no_bias": "Cette couche n'a pas de biais.",
    "grading_note_rf_axes": "Les axes diffèrent : donnez un nombre par axe.",
    # Correction d'un graphe : une réponse par id, et les erreurs des réseaux à branches.
    "answer_layer_id": (
        "aucune couche n'a l'id {value!r} ; une réponse désigne une couche par son indice "
        "(0 à {last}), par son id, tel que l'analyse l'indique, ou un bloc sequential par "
        "son id, pour sa dernière couche"
    ),
    "mistake_concat_not_summed": (
        "Les tailles selon {axis} d'une concaténation s'additionnent : {axis}' = {terms} = "
        "{total} ; {given} est celle d'une seule entrée."
    ),
    "mistake_merge_counted_params": (
        "{name} n'a pas de paramètres : une fusion ne fait que combiner ses entrées, dont les "
        "paramètres appartiennent aux couches qui les ont produites ; {given} en compte, la "
        "fusion en compte 0."
    ),
    "mistake_shortcut_forgotten": (
        "Le raccourci de projection est oublié : {layers} ({params} paramètres) amènent "
        "l'entrée du bloc à la forme que l'addition demande, et comptent aussi."
    ),
    "solve_whole": "{name} doit être un entier d'au moins {low}",
    "solve_limit": "{name} = {value} dépasse la limite de {high}",
    "solve_search_limit": (
        "chercher parmi {kernels} noyaux × {strides} pas × {dilations} dilatations dépasse la "
        "limite de {most} combinaisons ; fixez certaines valeurs"
    ),
    "notation_error": "ligne {line}, colonne {column} : {reason}",
    "notation_number": "nombre illisible {text!r}",
    "notation_unclosed": "cette chaîne n'est jamais fermée",
    "notation_character": "caractère inattendu {char!r}",
    "notation_depth": "crochets et parenthèses imbriqués sur plus de {depth} niveaux",
    "notation_layers": "le texte compte plus de {limit} couches, la limite",
    "notation_expected": "on attendait {what} à la place de {found}",
    "notation_separator": (
        "on attendait un retour à la ligne ou ',' avant la couche suivante à la place de {found}"
    ),
    "notation_repeat": "un nombre de répétitions doit être un entier d'au moins 1",
    "notation_repeat_limit": "une répétition de {count} dépasse la limite de {limit} couches",
    "notation_label": "on attendait le nom ou le numéro d'un enfant à la place de {found}",
    "notation_cells": (
        "après une couche, on attendait un retour à la ligne, ',' ou les tailles d'une ligne du "
        "tableau à la place de {found}"
    ),
    "notation_layer_name": "on attendait un nom de couche à la place de {found}",
    "notation_close": "on attendait ')'",
    "notation_twice": "{key} est donné deux fois",
    "notation_positional_after": "un argument sans nom ne peut pas suivre un argument nommé",
    "notation_comma_or": "on attendait ',' ou {close} à la place de {found}",
    "notation_value": "on attendait une valeur à la place de {found}",
    "notation_unknown": "couche inconnue {name!r} ; vouliez-vous dire {names} ?",
    "notation_unknown_some": "couche inconnue {name!r} ; parmi les couches connues : {names}",
    "notation_unknown_field": "{layer} n'a pas de champ {key!r} ; vouliez-vous dire {names} ?",
    "notation_unknown_field_some": "{layer} n'a pas de champ {key!r} ; ses champs sont {names}",
    "notation_reference": (
        "on attendait l'id d'une sortie antérieure après '<-' à la place de {found}"
    ),
    "notation_no_keyword": "{layer} ne prend aucun mot-clé ; reçu {key!r}",
    "notation_shortcut_twice": "un Residual a un seul raccourci : un '|' au plus",
    "notation_arrow_kind": "'a -> b' ne s'emploie que pour une couche linéaire",
    "notation_arrow_alone": "'a -> b' doit être le seul argument",
    "notation_positional_count": "{name} prend au plus {most} arguments sans nom ; {given} donnés",
    "warn_unread": (
        "axe {axis} : le pas {stride} ne divise pas N - K + 2P = {span}, donc la taille est "
        "arrondie à l'entier inférieur ({span} / {stride} + 1 → {size}) et {unread}"
    ),
    "warn_rf_exceeds": (
        "le champ réceptif ({size}) dépasse déjà l'entrée ({input}) : les couches suivantes "
        "voient du padding"
    ),
    "warn_asymmetric_same": (
        "axe {axis} : padding='same' avec un noyau effectif pair ({kernel}) ajoute {left} avant "
        "et {right} après"
    ),
    "warn_ceil_window": (
        "axe {axis} : ceil_mode ajoute une dernière fenêtre qui déborde de l'entrée et voit "
        "moins de valeurs"
    ),
    "warn_linear_last_axis": (
        "la couche linéaire n'agit que sur le dernier axe ({features} valeurs) d'un tenseur "
        "{shape} ; ajoutez un flatten avant pour relier toutes les valeurs"
    ),
    "warn_uneven_adaptive": (
        "axe {axis} : {output} ne divise pas {input}, donc les fenêtres se chevauchent et n'ont "
        "pas toutes la même taille"
    ),
    "warn_num_features_unused": (
        "la taille de l'entrée selon dim=1 ({actual}) ne correspond pas à num_features "
        "({given}) ; PyTorch prévient et continue, num_features ne servant pas quand "
        "affine=False"
    ),
    "warn_single_spatial": (
        "chaque canal n'a qu'une valeur spatiale : l'entraînement échoue (PyTorch "
        "demande plus d'une valeur spatiale) ; l'évaluation utilise les statistiques courantes"
    ),
    "warn_single_value_channel": (
        "chaque canal n'a qu'une valeur par exemple : l'entraînement avec un batch de 1 échoue "
        "(PyTorch demande plus d'une valeur par canal à l'entraînement)"
    ),
    "warn_single_value_group": (
        "chaque groupe n'a qu'une valeur par exemple : un batch de 1 échoue (PyTorch demande "
        "plus d'une valeur par canal à l'entraînement)"
    ),
    "warn_implicit_dim": (
        "dim n'est pas donné : PyTorch choisit dim={dim} pour une entrée à {ndim} dimensions "
        "(batch compris) ; donnez dim"
    ),
    "warn_implicit_dim_batch": (
        "dim n'est pas donné : PyTorch choisit dim={dim} pour une entrée à {ndim} dimensions "
        "(batch compris), soit le batch lui-même ; donnez dim"
    ),
    "warn_window_in_padding": (
        "une fenêtre ne couvre que du padding : ses valeurs ne viennent pas de l'entrée"
    ),
    "warn_dropout_rank": (
        "ce dropout par canal reçoit un tenseur d'un autre rang que prévu : PyTorch le traite "
        "comme un dropout ordinaire ou sans batch"
    ),
    "warn_rf_average": (
        "{kind} {id} : ses unités ne voient pas toutes le même nombre de pixels de l'entrée, "
        "et les suivre une à une demanderait plus que cnncalc ne s'autorise (une période "
        "d'au plus {period} unités, {steps} pas par réseau) : à partir d'ici, la taille du "
        "champ réceptif est leur moyenne, non celle de la plus large"
    ),
    "warn_unused_output": (
        "la sortie de {id} ({kind}) n'est utilisée par aucune couche : cette branche ne mène pas "
        "à la sortie du réseau"
    ),
    "warn_unaligned_spatial": (
        "{kind} {id} : elle met des unités côte à côte selon {axis}, donc son champ "
        "dépend de la position ; le champ réceptif donné est l'enveloppe des régions de ses "
        "entrées (aligned: false)"
    ),
    "warn_unaligned_broadcast": (
        "{kind} {id} : une taille 1 d'une entrée est répétée selon {axis}, donc ce que "
        "voient ses unités dépend de leur position ; le champ réceptif donné est l'enveloppe "
        "des régions de ses entrées (aligned: false)"
    ),
    "warn_unaligned_paths": (
        "{kind} {id} : ses chemins ne s'accordent pas sur {what} selon {axis} : {values} ; le "
        "champ réceptif donné est l'enveloppe des régions de ses entrées (aligned: false)"
    ),
    "word_jump": "le pas",
    "word_centre": "le centre",
    "title_400": "Requête incorrecte",
    "title_404": "Introuvable",
    "title_405": "Méthode non permise",
    "title_408": "Délai de requête dépassé",
    "title_413": "Corps de requête trop grand",
    "title_415": "Type de contenu non pris en charge",
    "title_422": "Requête invalide",
    "title_500": "Erreur interne du serveur",
    "title_503": "Service indisponible",
    "title_status": "Erreur HTTP {status}",
    "title_stack": "Pile de couches invalide",
    "title_limit": "Limite dépassée",
    "torch_missing": "le serveur ne peut pas vérifier avec PyTorch : il n'y est pas installé",
    "torch_graph": (
        "la vérification par torch prend des suites de couches ; les réseaux à branches "
        "viendront ensuite"
    ),
    "cli_invalid_request": "requête invalide : {errors}",
    "at_place": "{where} : {message}",
    "at_layer": "couche {index}",
    "at_layer_field": "couche {index}, {field}",
    "and_more": " ; et {count} de plus",
    "and_at_least_more": " ; et au moins {count} de plus",
    "unexpected_error": "une erreur inattendue s'est produite ; elle a été consignée",
    "body_not_json": "envoyez le corps en application/json",
    "body_too_large": "le corps de la requête dépasse la limite de {limit} octets",
    "body_timeout": "le corps de la requête n'est pas arrivé en {seconds:g} s",
    "service_stopping": "le service s'arrête ; réessayez dans un instant",
    "service_busy": (
        "le service est occupé : le calcul n'a pas fini en {seconds:g} s ; réessayez plus tard"
    ),
    "json_not_utf8": "le corps n'est pas en UTF-8 (octet {byte})",
    "json_too_deep": "le JSON imbrique tableaux et objets sur plus de {depth} niveaux",
    "json_too_deep_parser": "le JSON est imbriqué sur plus de {depth} niveaux",
    "json_syntax": "JSON invalide : {error} à la ligne {line}, colonne {column}",
    "json_lone_surrogate": (
        "une chaîne du JSON contient une moitié de paire UTF-16 isolée (\\ud800 à \\udfff)"
    ),
    "json_long_number": "un nombre du JSON a trop de chiffres",
    "json_duplicate_key": "la clé {key!r} apparaît deux fois dans le même objet JSON",
    "json_too_many_keys": (
        "l'objet JSON en {where} a {count} clés ; aucun objet d'une requête n'en a plus de {limit}"
    ),
    "json_too_many_items": (
        "le tableau JSON en {where} a {count} éléments ; aucun tableau d'une requête n'en a "
        "plus de {limit}"
    ),
    "json_not_acceptable": "le JSON n'est pas acceptable",
    "json_expecting_value": "une valeur était attendue",
    "json_expecting_name": "un nom de propriété entre guillemets doubles était attendu",
    "json_expecting_colon": "le séparateur ':' était attendu",
    "json_expecting_comma": "le séparateur ',' était attendu",
    "json_unterminated": "chaîne non terminée commençant",
    "json_control": "caractère de contrôle interdit",
    "json_escape": "échappement \\ invalide",
    "json_unicode_escape": "échappement \\uXXXX invalide",
    "json_extra": "données en trop après le document",
    "json_other": "erreur de syntaxe ({text})",
    "pydantic.int_type": "la valeur doit être un entier",
    "pydantic.int_type_axes": (
        "la valeur doit être un entier, ou une liste d'un entier par axe spatial"
    ),
    "pydantic.int_type_axes_or": (
        "la valeur doit être un entier, une liste d'un entier par axe spatial, ou {names}"
    ),
    "pydantic.int_parsing": "la valeur doit être un entier ; ce texte n'est pas un entier",
    "pydantic.int_from_float": "la valeur doit être un entier ; ce nombre a une partie décimale",
    "pydantic.greater_than_equal": "la valeur doit être supérieure ou égale à {ge}",
    "pydantic.greater_than": "la valeur doit être supérieure à {gt}",
    "pydantic.less_than_equal": "la valeur doit être inférieure ou égale à {le}",
    "pydantic.less_than": "la valeur doit être inférieure à {lt}",
    "pydantic.multiple_of": "la valeur doit être un multiple de {multiple_of}",
    "pydantic.missing": "champ obligatoire",
    "pydantic.extra_forbidden": "champ inconnu : il n'est pas permis",
    "pydantic.literal_error": "la valeur doit être {expected}",
    "pydantic.enum": "la valeur doit être {expected}",
    "pydantic.too_long": (
        "{what} doit avoir au plus {max_length} élément{plural}, et non {actual_length}"
    ),
    "pydantic.too_short": (
        "{what} doit avoir au moins {min_length} élément{plural}, et non {actual_length}"
    ),
    "pydantic.field_list": "la liste",
    "pydantic.field_tuple": "le tuple",
    "pydantic.field_set": "l'ensemble",
    "pydantic.field_dictionary": "le dictionnaire",
    "pydantic.field_value": "la valeur",
    "pydantic.string_too_long": "le texte doit avoir au plus {max_length} caractère{plural}",
    "pydantic.string_too_short": "le texte doit avoir au moins {min_length} caractère{plural}",
    "pydantic.string_type": "la valeur doit être un texte",
    "pydantic.string_pattern_mismatch": "le texte doit suivre le motif '{pattern}'",
    "pydantic.string_unicode": "la valeur doit être un texte Unicode valide",
    "pydantic.bool_type": "la valeur doit être un booléen (true ou false)",
    "pydantic.bool_parsing": "la valeur doit être un booléen (true ou false)",
    "pydantic.list_type": "la valeur doit être une liste",
    "pydantic.tuple_type": "la valeur doit être une liste (un tuple)",
    "pydantic.dict_type": "la valeur doit être un objet JSON",
    "pydantic.model_attributes_type": "la valeur doit être un objet JSON dont lire les champs",
    "pydantic.model_type": "la valeur doit être un objet JSON ({class_name})",
    "pydantic.dataclass_type": "la valeur doit être un objet JSON ({class_name})",
    "pydantic.union_tag_invalid": (
        "l'étiquette '{tag}' lue dans {discriminator} n'est aucune de celles attendues : "
        "{expected_tags}"
    ),
    "pydantic.union_tag_not_found": "impossible de lire l'étiquette {discriminator}",
    "pydantic.float_type": "la valeur doit être un nombre",
    "pydantic.float_parsing": "la valeur doit être un nombre ; ce texte n'est pas un nombre",
    "pydantic.finite_number": "la valeur doit être un nombre fini",
    "pydantic.none_required": "la valeur doit être null",
    "pydantic.json_invalid": "JSON invalide : {error}",
    "pydantic.json_type": "l'entrée JSON doit être du texte ou des octets",
    "pydantic.unknown_layer_type": (
        "type de couche inconnu ou absent : écrivez-en un comme conv2d, linear, maxpool2d, "
        "avgpool2d, batchnorm2d, relu, flatten, dropout, add ou concat"
    ),
    "total_params_sum": "Nombre total de paramètres : la somme de ceux de chaque couche.",
    "pydantic.other": "valeur refusée ({message})",
    # --- numbers, the CLI's words and the torch check's reasons, said to a student
    "cli_line": "{label} : {value}",
    "cli_right": "juste",
    "cli_wrong": "faux",
    "cli_expected": "attendu",
    "cli_no_solution": "aucune",
    "cli_col_layer": "Couche",
    "cli_col_output": "Taille Sortie",
    "cli_col_weight": "Taille Poids",
    "cli_col_params": "Paramètres",
    "cli_col_rf": "Champ réceptif",
    "cli_col_macs": "MACs",
    "cli_col_inputs": "Entrées",
    "cli_input": "Entrée",
    "cli_total_params": "Nombre total de paramètres",
    "cli_total_macs": "MACs au total",
    "cli_memory": "Mémoire (poids / activations)",
    "cli_shown": "{count} affichées",
    "cli_solutions": "solution(s)",
    "cli_exact": "exact",
    "cli_floored": "arrondi",
    "cli_score": "Note : {correct}/{total}",
    "cli_pytorch": "PyTorch : {status}",
    "cli_mismatch": "couche {layer} {field} : cnncalc {calculated}, torch {torch}",
    "cli_stack_object": (
        "le fichier du réseau doit contenir un objet JSON, comme le corps d'une requête à l'API"
    ),
    "cli_unreadable": "impossible de lire {path} : {reason}",
    "cli_no_file": "ce fichier n'existe pas",
    "cli_no_access": "permission refusée",
    "cli_is_directory": "c'est un dossier",
    "verify_status_passed": "d'accord",
    "verify_status_failed": "en désaccord",
    "verify_status_unavailable": "indisponible",
    "verify_too_large": (
        "un tenseur de {elements} éléments (tout le batch) dépasse la limite de {limit} de la "
        "vérification par PyTorch (max_verify_elements)"
    ),
    "verify_busy": (
        "aucune vérification par PyTorch ne s'est libérée en {seconds:g} s ; réessayez plus tard"
    ),
    "verify_start_slow": (
        "le processus de vérification par PyTorch n'a pas démarré en {seconds:g} s (il charge "
        "torch) ; réessayez"
    ),
    "verify_start_failed": (
        "le processus de vérification par PyTorch n'a pas pu démarrer : {error}"
    ),
    "verify_timeout": (
        "la vérification par PyTorch a pris plus de {seconds:g} s ; son processus a été arrêté"
    ),
    "verify_worker_ended": "le processus de vérification par PyTorch s'est arrêté ({error})",
    "verify_crashed": "la vérification par PyTorch a échoué : {kind} : {error}",
    "verify_out_of_memory": ("la vérification par PyTorch a manqué de mémoire : {kind} : {error}"),
    "verify_graph_refused": (
        "le réseau a été refusé avant que ses couches soient vérifiées : {error}"
    ),
    "verify_stack_refused": (
        "la pile a été refusée avant que ses couches soient vérifiées : {error}"
    ),
    "verify_overflow": "un tenseur dépasse la limite de la vérification par PyTorch ({error})",
    # --- inputs as people write them: channels-last shapes, other libraries' names ---------
    "warn_channels_last": (
        "input_shape {shape} semble avoir les canaux en dernier (H × W × C) : PyTorch y lit "
        "{channels} canaux de {spatial}. Vouliez-vous dire {suggested} ? Indiquez "
        'input_format "HWC" pour la lire canaux en dernier, ou "CHW" pour la garder '
        "telle quelle"
    ),
    "pydantic.input_format_rank": (
        "input_format {given} vaut pour {axes} axes, et input_shape en a {rank} : "
        "écrivez l'un de {expected}"
    ),
    "pydantic.input_format_vector": (
        "input_format {given} vaut pour {axes} axes, et input_shape en a {rank} : un "
        "vecteur ne prend pas d'input_format"
    ),
    "pydantic.shape_text": (
        "« {given} » n'est pas une forme : écrivez ses tailles séparées par ×, x ou des "
        "virgules (3 × 32 × 32)"
    ),
    "pydantic.layer_type_did_you_mean": (
        "type de couche « {given} » inconnu : vouliez-vous dire « {near} » ?"
    ),
    "pydantic.field_did_you_mean": (
        "{kind} n'a pas de champ « {given} » : vouliez-vous dire « {near} » ?"
    ),
    "pydantic.foreign_input_shape": (
        "« {given} » n'est pas un champ de couche : la forme de l'entrée se donne dans "
        "input_shape, dans la requête (avec input_format HWC si les canaux sont en dernier)"
    ),
    "pydantic.foreign_data_format": (
        "« {given} » n'est pas un champ de couche : les couches de PyTorch lisent les canaux "
        "en premier ; une input_shape avec les canaux en dernier prend input_format HWC dans "
        "la requête"
    ),
    "pydantic.foreign_name": (
        "« {given} » n'est pas un champ de couche : le nom d'une couche est son id"
    ),
    "pydantic.foreign_activation": (
        "« {given} » n'est pas un champ de couche : PyTorch écrit l'activation comme une "
        "couche à part ; ajoutez-en une après celle-ci (de type relu, par exemple)"
    ),
    "pydantic.foreign_separable": (
        "« {given} » fait deux couches dans PyTorch : {conv} avec groups égal à in_channels "
        "(en profondeur), puis {conv} avec kernel_size 1 (point par point)"
    ),
    "pydantic.foreign_depthwise": (
        "« {given} » est le {conv} de PyTorch avec groups égal à in_channels et "
        "out_channels multiple de celui-ci"
    ),
    "pydantic.foreign_caffe_pooling": (
        "« {given} » est le pooling de Caffe, qui arrondit sa sortie au supérieur et dont le "
        "pas vaut 1 par défaut : écrivez {max} (pool MAX) ou {avg} (pool AVE) avec ceil_mode "
        "true et le pas donné"
    ),
    "pydantic.foreign_global_pool": (
        "« {given} » supprime aussi les axes spatiaux : écrivez {pool} avec output_size 1, "
        "puis flatten"
    ),
    "pydantic.foreign_upsampling": (
        "« {given} » prend un facteur pour size : écrivez upsample avec scale_factor (la size "
        "de PyTorch est la taille de la sortie)"
    ),
    "pydantic.foreign_zero_padding": (
        "« {given} » écrit son padding ((haut, bas), (gauche, droite)) : écrivez {pad} avec "
        "padding (gauche, droite, haut, bas)"
    ),
}
