/*
 * Tailor's segment editor, in plain JavaScript (no build step, no framework):
 *
 * - the rule builder: turns the definition's JSON textarea into a nested editor of
 *   all / any / not groups and {attribute, operator, value} conditions, typed by the
 *   catalogue, keeping the textarea in sync (so the form still posts JSON), and shows
 *   the server's validation issues beside the condition each one names;
 * - the "test against a sample visitor" panel: posts the definition as it is now and
 *   a sample visitor context, and shows the decision, its conditions and the reach;
 * - the priority list: drag and drop rows (the up/down buttons work without it).
 *
 * Without JavaScript the textarea stays a plain JSON editor.
 */
(() => {
  "use strict";

  const VALIDATE_DELAY_MS = 400;
  const GROUPS = { all: "Match ALL of these (and)", any: "Match ANY of these (or)" };
  const EMPTY_GROUP = {
    all: "No conditions yet: every visitor matches.",
    any: "No conditions yet: no visitor matches.",
  };

  // --- small DOM helpers ----------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name in node && typeof value !== "string") node[name] = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function button(label, onclick, extra = {}) {
    return el("button", { type: "button", class: "button button-small button-secondary", onclick, ...extra, text: label });
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
          "X-Requested-With": "XMLHttpRequest",
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { error: `The server could not be reached (${error.message}).` };
    }
    try {
      const data = await response.json();
      if (!response.ok && !data.error) data.error = `The server answered ${response.status}.`;
      return data;
    } catch (error) {
      return { error: `The server answered ${response.status}.` };
    }
  }

  function show(value) {
    if (value === undefined) return "nothing";
    return JSON.stringify(value);
  }

  // "12" -> 12; anything else stays as typed, so the server can say what is wrong with it.
  function asNumber(text) {
    const trimmed = String(text).trim();
    return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
  }

  function splitList(text) {
    return String(text)
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
  }

  function childPath(path, key) {
    return path ? `${path}.${key}` : key;
  }

  // The server words each issue by condition number ("Condition 3: …"), never by path.
  function issueText(issue) {
    return issue.text || issue.message;
  }

  // Does an issue at `issuePath` belong to the node at `nodePath`?
  function within(nodePath, issuePath) {
    if (nodePath === "") return true;
    if (!issuePath.startsWith(nodePath)) return false;
    const next = issuePath.charAt(nodePath.length);
    return next === "" || next === "." || next === "[";
  }

  function isGroup(node) {
    return node && typeof node === "object" && !Array.isArray(node) && ("all" in node || "any" in node);
  }

  function isNot(node) {
    return node && typeof node === "object" && !Array.isArray(node) && "not" in node;
  }

  // --- the rule builder ---------------------------------------------------------------

  class RuleBuilder {
    constructor(root) {
      this.root = root;
      this.field = document.getElementById(root.dataset.field);
      this.tree = root.querySelector("[data-rule-builder-tree]");
      this.status = root.querySelector("[data-rule-builder-status]");
      this.source = root.querySelector("[data-rule-builder-source]");
      this.trialUrl = root.dataset.trialUrl;
      this.catalogue = JSON.parse(document.getElementById(root.dataset.catalogue).textContent);
      this.attributes = new Map(this.catalogue.attributes.map((attribute) => [attribute.name, attribute]));
      this.nodes = new Map(); // path -> element that shows the node's issues
      this.timer = null;
      this.requested = 0;
      this.field.addEventListener("input", (event) => {
        if (!event.isTrusted) return; // the marketer typed JSON by hand
        this.load();
        this.scheduleValidation();
      });
      root.addEventListener("rule-builder:issues", (event) => this.showIssues(event.detail));
      // The form's own error line for the conditions (after a refused save): Wagtail joins the
      // messages on one line; the builder lists them one per line once it has checked them.
      const field = root.parentElement ? root.parentElement.closest(".w-field") : null;
      this.formErrors = field ? field.querySelector("[data-field-errors] .error-message") : null;
      this.load();
      if (this.definition !== undefined) {
        this.source.open = false;
        this.validate();
      }
    }

    load() {
      try {
        const text = this.field.value.trim();
        this.definition = text ? JSON.parse(text) : { all: [] };
      } catch (error) {
        this.tree.hidden = true;
        this.definition = undefined;
        this.setStatus(`The definition is not valid JSON: ${error.message}`, "error");
        return;
      }
      if (!isGroup(this.definition) && !isNot(this.definition)) {
        // a single condition at the top: edit it inside an "all" group
        this.definition = { all: [this.definition] };
      }
      this.tree.hidden = false;
      this.render();
    }

    // The definition changed: write it back to the textarea and validate soon.
    changed({ rerender = false } = {}) {
      this.field.value = JSON.stringify(this.definition, null, 2);
      this.field.dispatchEvent(new Event("change", { bubbles: true }));
      if (rerender) this.render();
      this.scheduleValidation();
    }

    scheduleValidation() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.validate(), VALIDATE_DELAY_MS);
    }

    render() {
      this.nodes = new Map();
      this.tree.replaceChildren(
        this.renderNode(this.definition, "", {
          replace: (node) => {
            this.definition = node;
          },
          remove: null,
        })
      );
    }

    renderNode(node, path, slot) {
      if (isGroup(node)) return this.renderGroup(node, path, slot);
      if (isNot(node)) return this.renderNot(node, path, slot);
      return this.renderCondition(node, path, slot);
    }

    nodeTools(node, slot) {
      const tools = [
        button("Negate", () => {
          slot.replace({ not: node });
          this.changed({ rerender: true });
        }, { title: "Match the opposite (wrap in NOT)" }),
      ];
      if (slot.remove) {
        tools.push(
          button("Remove", () => {
            slot.remove();
            this.changed({ rerender: true });
          }, { class: "button button-small button-secondary no", "data-rule-remove": "" })
        );
      }
      return el("span", { class: "rule-builder__tools" }, tools);
    }

    renderGroup(node, path, slot) {
      const kind = "all" in node ? "all" : "any";
      if (!Array.isArray(node[kind])) node[kind] = [];
      const children = node[kind];
      const box = el("div", { class: `rule-builder__group rule-builder__group--${kind}`, "data-rule-group": kind, "data-path": path });
      const select = el(
        "select",
        {
          "aria-label": "How the conditions combine",
          "data-rule-combine": "",
          onchange: () => {
            const other = select.value;
            delete node[kind];
            node[other] = children;
            this.changed({ rerender: true });
          },
        },
        Object.entries(GROUPS).map(([value, label]) => el("option", { value, text: label, selected: value === kind }))
      );
      const list = el("ol", { class: "rule-builder__children" });
      children.forEach((child, index) => {
        const childSlot = {
          replace: (replacement) => {
            children[index] = replacement;
          },
          remove: () => children.splice(index, 1),
        };
        list.append(el("li", {}, this.renderNode(child, childPath(path, `${kind}[${index}]`), childSlot)));
      });
      if (!children.length) list.append(el("li", { class: "help", text: EMPTY_GROUP[kind] }));
      const issues = el("div", { class: "rule-builder__issues", "data-rule-issues": "" });
      this.nodes.set(path, issues);
      box.append(
        el("div", { class: "rule-builder__head" }, select, this.nodeTools(node, slot)),
        issues,
        list,
        el(
          "div",
          { class: "rule-builder__add" },
          button("+ Condition", () => {
            children.push(this.newCondition());
            this.changed({ rerender: true });
          }, { "data-rule-add-condition": "" }),
          button("+ Group", () => {
            children.push({ [kind === "all" ? "any" : "all"]: [] });
            this.changed({ rerender: true });
          }, { "data-rule-add-group": "" })
        )
      );
      return box;
    }

    renderNot(node, path, slot) {
      const box = el("div", { class: "rule-builder__not", "data-rule-not": "", "data-path": path });
      const issues = el("div", { class: "rule-builder__issues", "data-rule-issues": "" });
      this.nodes.set(path, issues);
      const tools = [
        button("Remove NOT", () => {
          slot.replace(node.not);
          this.changed({ rerender: true });
        }),
      ];
      if (slot.remove) {
        tools.push(button("Remove", () => {
          slot.remove();
          this.changed({ rerender: true });
        }, { class: "button button-small button-secondary no" }));
      }
      const inner = {
        replace: (replacement) => {
          node.not = replacement;
        },
        remove: slot.remove || (() => slot.replace({ all: [] })),
      };
      box.append(
        el("div", { class: "rule-builder__head" }, el("strong", { text: "NOT — none of this may hold:" }), el("span", { class: "rule-builder__tools" }, tools)),
        issues,
        this.renderNode(node.not, childPath(path, "not"), inner)
      );
      return box;
    }

    newCondition() {
      const first = this.catalogue.attributes[0];
      return { attribute: first.name, operator: first.operators[0], value: "" };
    }

    // The catalogue entry for an attribute name, with the parameter of a family (query.<name>).
    describe(name) {
      if (this.attributes.has(name)) return { attribute: this.attributes.get(name), param: null };
      if (typeof name === "string" && name.includes(".")) {
        const [prefix, ...rest] = name.split(".");
        const family = this.attributes.get(`${prefix}.<name>`);
        if (family) return { attribute: family, param: rest.join(".") };
      }
      return { attribute: null, param: null };
    }

    renderCondition(node, path, slot) {
      const { attribute, param } = this.describe(node.attribute);
      const row = el("div", { class: "rule-builder__condition", "data-rule-condition": "", "data-path": path });
      const issues = el("div", { class: "rule-builder__issues", "data-rule-issues": "" });
      this.nodes.set(path, issues);
      const fields = el("div", { class: "rule-builder__fields" }, this.attributeSelect(node, attribute));
      if (attribute && attribute.name.endsWith("<name>")) {
        fields.append(
          el("input", {
            type: "text",
            class: "rule-builder__param",
            placeholder: "name",
            "aria-label": `${attribute.label}: name`,
            value: param || "",
            oninput: (event) => {
              node.attribute = attribute.name.replace("<name>", event.target.value.trim());
              this.changed();
            },
          })
        );
      }
      if (attribute) {
        fields.append(this.operatorSelect(node, attribute));
        const editor = this.valueEditor(node, attribute);
        if (editor) fields.append(editor);
        if (attribute.timezone) fields.append(this.timezoneInput(node));
      }
      row.append(el("div", { class: "rule-builder__head" }, fields, this.nodeTools(node, slot)));
      if (attribute && attribute.description) row.append(el("p", { class: "help rule-builder__hint", text: attribute.description }));
      row.append(issues);
      return row;
    }

    attributeSelect(node, current) {
      const select = el("select", { "aria-label": "Attribute", "data-rule-attribute": "" });
      if (!current) {
        select.append(el("option", { value: node.attribute ?? "", text: `unknown: ${node.attribute ?? "(none)"}`, selected: true }));
      }
      const categories = this.catalogue.categories;
      for (const [category, label] of Object.entries(categories)) {
        const group = el("optgroup", { label });
        for (const attribute of this.catalogue.attributes) {
          if (attribute.category !== category) continue;
          const text = attribute.name.endsWith("<name>") ? `${attribute.label}…` : attribute.label;
          group.append(el("option", { value: attribute.name, text, selected: current === attribute }));
        }
        if (group.children.length) select.append(group);
      }
      select.addEventListener("change", () => {
        const attribute = this.attributes.get(select.value);
        node.attribute = attribute.name.endsWith("<name>") ? attribute.name.replace("<name>", "") : attribute.name;
        if (!attribute.operators.includes(node.operator)) node.operator = attribute.operators[0];
        this.resetValue(node, attribute);
        if (!attribute.timezone) delete node.timezone;
        this.changed({ rerender: true });
      });
      return select;
    }

    operatorSelect(node, attribute) {
      const labels = this.catalogue.operators;
      const select = el("select", { "aria-label": "Operator", "data-rule-operator": "" });
      if (!attribute.operators.includes(node.operator)) {
        select.append(el("option", { value: node.operator ?? "", text: `not allowed: ${node.operator ?? "(none)"}`, selected: true }));
      }
      for (const name of attribute.operators) {
        select.append(el("option", { value: name, text: labels[name] ? labels[name].label : name, selected: name === node.operator }));
      }
      select.addEventListener("change", () => {
        const before = this.shape(node.operator);
        node.operator = select.value;
        if (this.shape(node.operator) !== before) this.resetValue(node, attribute);
        this.changed({ rerender: true });
      });
      return select;
    }

    shape(operator) {
      const description = this.catalogue.operators[operator];
      return description ? description.value : "one";
    }

    resetValue(node, attribute) {
      const shape = this.shape(node.operator);
      if (shape === "none") delete node.value;
      else if (shape === "list") node.value = [];
      else if (shape === "pair") node.value = ["", ""];
      else if (shape === "event") node.value = { event: "", days: 30 };
      else if (attribute.type === "boolean") node.value = true;
      else node.value = "";
    }

    timezoneInput(node) {
      return el("input", {
        type: "text",
        class: "rule-builder__timezone",
        placeholder: "visitor's time zone",
        title: "IANA time zone, e.g. Europe/London; empty: the visitor's",
        "aria-label": "Time zone",
        value: node.timezone || "",
        oninput: (event) => {
          const zone = event.target.value.trim();
          if (zone) node.timezone = zone;
          else delete node.timezone;
          this.changed();
        },
      });
    }

    // A value input typed by the attribute and the operator's value shape.
    valueEditor(node, attribute) {
      const shape = this.shape(node.operator);
      const type = attribute.type;
      const set = (value) => {
        node.value = value;
        this.changed();
      };
      if (shape === "none") return null;
      if (shape === "event") return this.eventEditor(node);
      if (shape === "pair") return this.pairEditor(node, type);
      if (shape === "list") return this.listEditor(node, attribute);
      if (shape === "days" || shape === "percentage" || type === "number") {
        return this.textInput(node.value, (text) => set(asNumber(text)), {
          inputmode: "decimal",
          placeholder: shape === "days" ? "days" : shape === "percentage" ? "0–100" : "number",
        });
      }
      if (type === "boolean") {
        return el(
          "select",
          { "aria-label": "Value", "data-rule-value": "", onchange: (event) => set(event.target.value === "true") },
          el("option", { value: "true", text: "yes", selected: node.value === true }),
          el("option", { value: "false", text: "no", selected: node.value === false })
        );
      }
      if (type === "segment") return this.choiceSelect(node.value, this.catalogue.segments.map((s) => [s.key, `${s.name} (${s.key})`]), set);
      if (attribute.choices && attribute.choices.length) return this.choiceSelect(node.value, attribute.choices.map((c) => [c, c]), set);
      if (type === "date") return this.textInput(node.value, set, { type: "date" });
      if (type === "time") return this.textInput(node.value, set, { type: "time" });
      if (attribute.suggestions) return this.textInput(node.value, set, { placeholder: "value", list: this.datalist(attribute) });
      return this.textInput(node.value, set, { placeholder: "value" });
    }

    // Values that can occur (countries, channels, device kinds) offered while typing.
    datalist(attribute) {
      const id = `${this.root.dataset.field}-values-${attribute.name}`;
      if (!document.getElementById(id)) {
        const list = el("datalist", { id, "data-rule-suggestions": attribute.name });
        for (const option of attribute.suggestions) list.append(el("option", { value: option.value, label: option.label }));
        this.root.append(list);
      }
      return id;
    }

    textInput(value, onchange, attrs = {}) {
      return el("input", {
        type: "text",
        "aria-label": "Value",
        "data-rule-value": "",
        value: value === undefined || value === null ? "" : String(value),
        oninput: (event) => onchange(event.target.value),
        ...attrs,
      });
    }

    choiceSelect(value, choices, set) {
      const select = el("select", { "aria-label": "Value", "data-rule-value": "", onchange: () => set(select.value) });
      if (!choices.some(([key]) => key === value)) select.append(el("option", { value: value ?? "", text: value ? `unknown: ${value}` : "choose…", selected: true }));
      for (const [key, label] of choices) select.append(el("option", { value: key, text: label, selected: key === value }));
      return select;
    }

    listEditor(node, attribute) {
      const values = Array.isArray(node.value) ? node.value : [];
      const options = attribute.type === "weekday" ? this.catalogue.weekdays : attribute.choices && attribute.choices.length ? attribute.choices : null;
      if (options) {
        const box = el("span", { class: "rule-builder__checks", "data-rule-value": "" });
        for (const option of options) {
          const checkbox = el("input", {
            type: "checkbox",
            value: option,
            checked: values.map((v) => String(v).toLowerCase()).includes(option.toLowerCase()),
            onchange: () => {
              node.value = [...box.querySelectorAll("input:checked")].map((input) => input.value);
              this.changed();
            },
          });
          box.append(el("label", {}, checkbox, ` ${option}`));
        }
        return box;
      }
      const numeric = attribute.type === "number";
      return this.textInput(values.join(", "), (text) => {
        node.value = splitList(text).map(numeric ? asNumber : (part) => part);
        this.changed();
      }, { placeholder: "values, separated by commas", class: "rule-builder__list" });
    }

    pairEditor(node, type) {
      if (!Array.isArray(node.value)) node.value = ["", ""];
      const pair = node.value;
      const inputType = type === "time" ? "time" : type === "date" ? "date" : "text";
      const convert = type === "number" ? asNumber : (text) => text;
      const input = (index, label) =>
        this.textInput(pair[index], (text) => {
          pair[index] = convert(text);
          this.changed();
        }, { type: inputType, "aria-label": label, inputmode: type === "number" ? "decimal" : undefined });
      return el("span", { class: "rule-builder__pair" }, input(0, "From"), " and ", input(1, "To"));
    }

    eventEditor(node) {
      if (!node.value || typeof node.value !== "object" || Array.isArray(node.value)) node.value = { event: "", days: 30 };
      const spec = node.value;
      const part = (key, label, convert, attrs = {}) =>
        el(
          "label",
          { class: "rule-builder__event-part" },
          `${label} `,
          this.textInput(spec[key], (text) => {
            if (String(text).trim() === "" && key !== "event" && key !== "days") delete spec[key];
            else spec[key] = convert(text);
            this.changed();
          }, { "aria-label": label, ...attrs })
        );
      return el(
        "span",
        { class: "rule-builder__event" },
        part("event", "event", (text) => text.trim(), { placeholder: "conversion" }),
        part("days", "in the last … days", asNumber, { inputmode: "numeric" }),
        part("target", "on", (text) => text.trim(), { placeholder: "any target" }),
        part("min_count", "at least … times", asNumber, { inputmode: "numeric", placeholder: "1" })
      );
    }

    segmentInfo() {
      const tester = document.querySelector("[data-segment-tester]");
      const keyField = tester && document.getElementById(tester.dataset.key);
      return {
        key: keyField ? keyField.value : "",
        segment_id: tester ? tester.dataset.segmentId || null : null,
      };
    }

    async validate() {
      if (this.definition === undefined) return;
      const ticket = ++this.requested;
      const data = await postJSON(this.trialUrl, { definition: this.definition, ...this.segmentInfo() });
      if (ticket !== this.requested) return; // a newer check is on its way
      if (data.error) this.setStatus(data.error, "error");
      else this.showIssues(data.issues || []);
    }

    showIssues(issues) {
      for (const box of this.nodes.values()) box.replaceChildren();
      this.root.querySelectorAll(".rule-builder--invalid").forEach((node) => node.classList.remove("rule-builder--invalid"));
      const paths = [...this.nodes.keys()].sort((a, b) => b.length - a.length);
      for (const issue of issues) {
        const path = paths.find((candidate) => within(candidate, issue.path));
        const box = path === undefined ? null : this.nodes.get(path);
        if (!box) continue;
        box.append(el("p", { class: "error-message", "data-rule-issue": issue.path, text: issueText(issue) }));
        box.parentElement.classList.add("rule-builder--invalid");
      }
      if (this.formErrors && this.formErrors.textContent.trim() && issues.length) {
        this.formErrors.replaceChildren(...issues.map((issue) => el("span", { class: "rule-builder__error-line", "data-rule-form-issue": "", text: issueText(issue) })));
      }
      if (issues.length) this.setStatus(issues.length === 1 ? "1 problem to fix." : `${issues.length} problems to fix.`, "error");
      else this.setStatus("The conditions are valid.", "ok");
    }

    setStatus(text, kind) {
      this.status.textContent = text;
      this.status.dataset.kind = kind;
    }
  }

  // --- the sample-visitor panel -------------------------------------------------------

  class SegmentTester {
    constructor(root) {
      this.root = root;
      this.url = root.dataset.trialUrl;
      this.definition = document.getElementById(root.dataset.definition);
      this.key = document.getElementById(root.dataset.key);
      this.sample = root.querySelector("[data-segment-tester-context]");
      this.result = root.querySelector("[data-segment-tester-result]");
      root.querySelector("[data-segment-tester-run]").addEventListener("click", () => this.run());
    }

    async run() {
      let definition;
      let sample;
      try {
        definition = JSON.parse(this.definition.value);
      } catch (error) {
        return this.fail(`The definition is not valid JSON: ${error.message}`);
      }
      try {
        sample = JSON.parse(this.sample.value);
      } catch (error) {
        return this.fail(`The sample visitor is not valid JSON: ${error.message}`);
      }
      this.result.replaceChildren(el("p", { class: "help", text: "Testing…" }));
      const data = await postJSON(this.url, {
        definition,
        sample,
        key: this.key ? this.key.value : "",
        segment_id: this.root.dataset.segmentId || null,
      });
      if (data.error) return this.fail(data.error);
      const builder = document.querySelector("[data-rule-builder]");
      if (builder) builder.dispatchEvent(new CustomEvent("rule-builder:issues", { detail: data.issues || [] }));
      if (!data.valid) {
        return this.result.replaceChildren(
          el("p", { class: "error-message", text: "Fix the conditions first:" }),
          el("ul", {}, data.issues.map((issue) => el("li", { text: issueText(issue) })))
        );
      }
      this.showDecision(data.decision, data.reach);
    }

    fail(message) {
      this.result.replaceChildren(el("p", { class: "error-message", "data-segment-tester-error": "", text: message }));
    }

    showDecision(decision, reach) {
      const verdict = decision.matched
        ? el("p", { class: "segment-tester__verdict segment-tester__verdict--match", "data-verdict": "matched", text: "✔ Matched: this visitor is in the segment." })
        : el("p", {
            class: "segment-tester__verdict segment-tester__verdict--miss",
            "data-verdict": decision.reason,
            text: decision.reason === "no_consent"
              ? "✘ Not in the segment: blocked by consent (its conditions use data this visitor has not consented to)."
              : "✘ Not in the segment.",
          });
      const conditions = el(
        "ul",
        { class: "segment-tester__conditions", "data-explanation": "" },
        decision.conditions.map((condition) => {
          const mark = condition.blocked ? "⊘" : condition.result ? "✔" : "✘";
          const operator = this.operatorLabel(condition.operator);
          const expected = condition.expected === null || condition.expected === undefined ? "" : ` ${show(condition.expected)}`;
          const actual = condition.blocked ? " — blocked: no consent for this data" : ` — the visitor's: ${show(condition.actual)}`;
          return el("li", { class: condition.result ? "is-true" : "is-false" }, `${mark} ${condition.attribute} ${operator}${expected}${actual}`);
        })
      );
      if (!decision.conditions.length) conditions.append(el("li", { text: "No conditions: the empty group decided." }));
      const parts = [verdict, el("p", { text: "The conditions evaluated, in order (evaluation stops once the answer is known):" }), conditions];
      if (reach) {
        parts.push(
          el("p", { class: "segment-tester__reach", "data-reach": "" },
            el("strong", { text: "Estimated reach: " }),
            `${reach.label} (${reach.sampled.toLocaleString()} evaluated, arriving like this visitor).`)
        );
      }
      this.result.replaceChildren(...parts);
      this.result.scrollIntoView({ block: "nearest" });
    }

    operatorLabel(name) {
      const builder = document.querySelector("[data-rule-builder]");
      const catalogue = builder && document.getElementById(builder.dataset.catalogue);
      if (!catalogue) return name;
      const operators = JSON.parse(catalogue.textContent).operators;
      return operators[name] ? operators[name].label : name;
    }
  }

  // --- the priority list ---------------------------------------------------------------

  function priorities(form) {
    const rows = form.querySelector("[data-segment-priorities-rows]");
    let dragged = null;
    rows.addEventListener("dragstart", (event) => {
      dragged = event.target.closest("tr");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.segmentRow);
      dragged.classList.add("is-dragging");
    });
    rows.addEventListener("dragover", (event) => {
      const row = event.target.closest("tr");
      if (!dragged || !row || row === dragged) return;
      event.preventDefault();
      const box = row.getBoundingClientRect();
      row.parentNode.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? row.nextSibling : row);
    });
    rows.addEventListener("drop", (event) => event.preventDefault());
    rows.addEventListener("dragend", () => {
      if (!dragged) return;
      dragged.classList.remove("is-dragging");
      dragged = null;
      // preview the numbers that saving will give
      rows.querySelectorAll("[data-segment-priority]").forEach((cell, index) => {
        cell.textContent = String((index + 1) * 10);
        cell.classList.add("is-unsaved");
      });
    });
  }

  function start() {
    document.querySelectorAll("[data-rule-builder]").forEach((root) => {
      if (!root.ruleBuilder) root.ruleBuilder = new RuleBuilder(root);
    });
    document.querySelectorAll("[data-segment-tester]").forEach((root) => {
      if (!root.segmentTester) root.segmentTester = new SegmentTester(root);
    });
    document.querySelectorAll("[data-segment-priorities]").forEach((form) => {
      if (!form.dataset.ready) {
        form.dataset.ready = "1";
        priorities(form);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
