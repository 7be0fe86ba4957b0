"""Rendering of Rust types from OCPP JSON schemas, shared by the generators of each version."""
import re
import sys


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def camel(snake_name):
    head, *rest = snake_name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def variant(value):
    parts = re.split(r"[^A-Za-z0-9]+", value)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return name if not name[0].isdigit() else "V" + name


def field_name(name):
    field = snake(name)
    if field in ("type", "ref", "use", "match", "mod"):
        field = "r#" + field
    return field


def render_struct(name, fields, strict, doc):
    """A struct; each field a dict: json, rust, type, required, and optionally min_items,
    max_items (arrays) and minimum, maximum (integers)."""
    lines = [f"/// {doc}", "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]"]
    lines.append('#[serde(rename_all = "camelCase"' + (", deny_unknown_fields" if strict else "") + ")]")
    if not fields:
        lines.append(f"pub struct {name} {{}}")
        return "\n".join(lines)
    lines.append(f"pub struct {name} {{")
    for f in fields:
        attrs = []
        if camel(snake(f["json"])) != f["json"]:
            attrs.append(f'rename = "{f["json"]}"')
        ty = f["type"]
        optional = "" if f["required"] else "_option"
        if f.get("max_items") is not None:
            low, high = f.get("min_items") or 0, f["max_items"]
            attrs.append(f'deserialize_with = "crate::types::de::items{optional}::<{low}, {high}, _, _>"')
        elif f.get("min_items") not in (None, 1):
            sys.exit(f"minItems other than 1 in {name}")
        elif f.get("min_items"):
            helper = "non_empty" if f["required"] else "non_empty_option"
            attrs.append(f'deserialize_with = "crate::types::de::{helper}"')
        elif f.get("minimum") is not None or f.get("maximum") is not None:
            low = int(f.get("minimum") if f.get("minimum") is not None else -2**31)
            high = int(f.get("maximum") if f.get("maximum") is not None else 2**31 - 1)
            attrs.append(f'deserialize_with = "crate::types::de::int_in{optional}::<{low}, {high}, _>"')
        if not f["required"]:
            ty = f"Option<{ty}>"
            attrs.append('default, skip_serializing_if = "Option::is_none"')
        if attrs:
            lines.append(f"    #[serde({', '.join(attrs)})]")
        lines.append(f"    pub {f['rust']}: {ty},")
    lines.append("}")
    return "\n".join(lines)


def render_enum(name, values, version, doc=None):
    lines = [
        f"/// {doc or name + ' of OCPP ' + version + '.'}",
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]",
        f"pub enum {name} {{",
    ]
    for v in values:
        lines.append(f'    #[serde(rename = "{v}")]')
        lines.append(f"    {variant(v)},")
    lines.append("}")
    lines.append("")
    lines.append(f"impl {name} {{")
    lines.append("    /// Every value, in the specification's order.")
    lines.append(f"    pub const ALL: &'static [{name}] = &[" + ", ".join(f"{name}::{variant(v)}" for v in values) + "];")
    lines.append("")
    lines.append("    /// The value as spelled on the wire.")
    lines.append("    pub fn as_str(self) -> &'static str {")
    lines.append("        match self {")
    for v in values:
        lines.append(f'            {name}::{variant(v)} => "{v}",')
    lines.append("        }")
    lines.append("    }")
    lines.append("}")
    lines.append("")
    lines.append(f"impl<'de> Deserialize<'de> for {name} {{")
    lines.append("    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {")
    lines.append(f'        crate::types::de::enum_value(d, Self::ALL, Self::as_str, "{name}")')
    lines.append("    }")
    lines.append("}")
    return "\n".join(lines)


PRIMITIVES = ("Vec", "Option", "String", "i32", "bool", "Decimal", "CiString", "DateTime")


def uses_of(fields):
    """The primitives (crate::types) and the version's own types the fields name."""
    prims, types = set(), set()
    for f in fields:
        for word in re.findall(r"[A-Za-z][A-Za-z0-9]*", f["type"].replace("serde_json::Value", "")):
            if word in ("CiString", "DateTime", "Decimal"):
                prims.add(word)
            elif word not in PRIMITIVES:
                types.add(word)
    return sorted(prims), sorted(types)


def write_command_schemas(path, schemas, central_actions):
    """The official schemas of what a central system sends, as JSON the API description embeds
    (`{"Action": {"request": schema, "response": schema}}`, compact, otherwise as published)."""
    import json
    commands = {a: {"request": schemas[f"{a}.req"], "response": schemas[f"{a}.conf"]}
                for a in sorted(central_actions)}
    path.write_text(json.dumps(commands, separators=(",", ":"), sort_keys=True) + "\n")
