/*
 * Fineract external-event values written by Apache Avro's own Java library, the way Apache
 * Fineract writes them, for Dunwell's interoperability tests (tests/support/fineract_java.py).
 *
 * The schemas are the .avsc files Dunwell ships, parsed with one org.apache.avro.Schema.Parser
 * (every referenced named type parsed before the schema that refers to it), after the same
 * textual "bigdecimal" substitution as Fineract's build (fineract-avro-schemas/build.gradle,
 * task preprocessAvroSchemas). Each record's writer schema is then re-parsed from its own
 * toString(), as a generated class's SCHEMA$ is, and values are written with
 * org.apache.avro.message.BinaryMessageEncoder (single-object encoding), decimals through
 * Conversions.DecimalConversion. Nothing here uses Dunwell's code.
 *
 * Protocol: one JSON object a line on stdin, one JSON object a line on stdout.
 *   {"fingerprints": true}
 *       -> {"fingerprints": {"<full name>": "<16 hex digits, the 8 header bytes>", ...}}
 *   {"message": {MessageV1 fields but dataschema and data}, "dataschema": "<full name>",
 *    "payload": {...}}
 *       -> {"value": "<base64 of the MessageV1 value>"}; its data is the payload, itself
 *          single-object encoded
 *   {"message": {...}, "dataschema": "org.apache.fineract.avro.BulkMessagePayloadV1",
 *    "items": [{"id": 1, "type": ..., "category": ..., "dataschema": ..., "payload": {...}}]}
 *       -> the same, the payload being a BulkMessagePayloadV1 of one BulkMessageItemV1 an item,
 *          each item's data its payload single-object encoded (as Fineract's
 *          BulkMessageItemFactory does)
 *   anything that cannot be encoded -> {"error": "<reason>"}
 * Payload JSON is plain JSON, converted by walking the schema: null for an absent or null value
 * of a union with null, decimals as strings, enums as their symbol, other bytes as base64.
 */

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

public final class Encode {
    private static final String NS = "org.apache.fineract.avro";
    private static final String MESSAGE = NS + ".MessageV1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Schema> schemas;
    private final GenericData model = new GenericData();
    private final Map<String, BinaryMessageEncoder<GenericRecord>> encoders = new HashMap<>();

    private Encode(Map<String, Schema> schemas) {
        this.schemas = schemas;
        model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    }

    public static void main(String[] args) throws IOException {
        Encode encode = new Encode(load(Path.of(args[0])));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode answer = JSON.createObjectNode();
            try {
                encode.answer(JSON.readTree(line), answer);
            } catch (Exception e) {
                answer.removeAll();
                answer.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            out.println(JSON.writeValueAsString(answer));
            out.flush();
        }
    }

    // --- the schemas, as Fineract's build and generated classes hold them ---

    static Map<String, Schema> load(Path root) throws IOException {
        String decimal = Files.readString(root.resolve("avro-templates").resolve("bigdecimal.avsc"));
        Map<String, String> texts = new TreeMap<>();
        Map<String, JsonNode> documents = new HashMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".avsc"))
                    .filter(p -> !p.startsWith(root.resolve("avro-templates"))).sorted().toList();
        }
        for (Path file : files) {
            String text = Files.readString(file).replace("\"bigdecimal\"", decimal);
            JsonNode document = JSON.readTree(text);
            String name = document.get("namespace").asText() + "." + document.get("name").asText();
            texts.put(name, text);
            documents.put(name, document);
        }
        List<String> order = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        for (String name : texts.keySet()) {
            visit(name, documents, visited, order);
        }
        Schema.Parser parser = new Schema.Parser();
        for (String name : order) {
            parser.parse(texts.get(name));
        }
        Map<String, Schema> schemas = new TreeMap<>();
        for (String name : texts.keySet()) {
            // A generated class's SCHEMA$: new Schema.Parser().parse(<the schema's toString()>).
            schemas.put(name, new Schema.Parser().parse(parser.getTypes().get(name).toString()));
        }
        return schemas;
    }

    /** Depth first: the named types a document refers to come before it. */
    private static void visit(String name, Map<String, JsonNode> documents, Set<String> visited, List<String> order) {
        if (!visited.add(name)) {
            return;
        }
        String namespace = documents.get(name).get("namespace").asText();
        for (String reference : references(documents.get(name), namespace, documents)) {
            if (!reference.equals(name)) {
                visit(reference, documents, visited, order);
            }
        }
        order.add(name);
    }

    private static Set<String> references(JsonNode node, String namespace, Map<String, JsonNode> documents) {
        Set<String> found = new HashSet<>();
        if (node.isTextual()) {
            String text = node.asText();
            if (documents.containsKey(text)) {
                found.add(text);
            } else if (documents.containsKey(namespace + "." + text)) {
                found.add(namespace + "." + text);
            }
        }
        for (JsonNode child : node) {
            found.addAll(references(child, namespace, documents));
        }
        return found;
    }

    // --- requests ---

    private void answer(JsonNode request, ObjectNode answer) throws IOException {
        if (request.path("fingerprints").asBoolean(false)) {
            ObjectNode prints = answer.putObject("fingerprints");
            for (Map.Entry<String, Schema> e : schemas.entrySet()) {
                long fingerprint = SchemaNormalization.parsingFingerprint64(e.getValue());
                byte[] header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).array();
                prints.put(e.getKey(), hex(header));
            }
            return;
        }
        String dataschema = text(request, "dataschema");
        JsonNode payload = request.has("items") ? bulk(request.get("items")) : request.get("payload");
        if (payload == null || !payload.isObject()) {
            throw new IllegalArgumentException("a message needs a payload object or items");
        }
        byte[] data = encode(dataschema, payload);
        if (!request.path("message").isObject()) {
            throw new IllegalArgumentException("a message needs its envelope under \"message\"");
        }
        ObjectNode envelope = ((ObjectNode) request.get("message")).deepCopy();
        envelope.put("dataschema", dataschema);
        envelope.put("data", Base64.getEncoder().encodeToString(data));
        answer.put("value", Base64.getEncoder().encodeToString(encode(MESSAGE, envelope)));
    }

    /** BulkMessagePayloadV1: each item's payload single-object encoded into its data. */
    private JsonNode bulk(JsonNode items) throws IOException {
        ArrayNode datas = JSON.createArrayNode();
        for (JsonNode item : items) {
            ObjectNode entry = ((ObjectNode) item).deepCopy();
            JsonNode payload = entry.remove("payload");
            if (payload == null) {
                throw new IllegalArgumentException("a bulk item needs a payload");
            }
            entry.put("data", Base64.getEncoder().encodeToString(encode(text(item, "dataschema"), payload)));
            datas.add(entry);
        }
        ObjectNode payload = JSON.createObjectNode();
        payload.set("datas", datas);
        return payload;
    }

    private byte[] encode(String name, JsonNode value) throws IOException {
        Schema schema = schemas.get(name);
        if (schema == null) {
            throw new IllegalArgumentException("no shipped schema " + name);
        }
        BinaryMessageEncoder<GenericRecord> encoder =
                encoders.computeIfAbsent(name, n -> new BinaryMessageEncoder<>(model, schema));
        ByteBuffer buffer = encoder.encode((GenericRecord) datum(schema, value, name));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    // --- plain JSON to Avro's generic data, by the schema ---

    private static Object datum(Schema schema, JsonNode value, String path) {
        boolean absent = value == null || value.isNull();
        switch (schema.getType()) {
            case NULL:
                require(absent, path, "must be null");
                return null;
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (absent ? branch.getType() == Schema.Type.NULL : branch.getType() != Schema.Type.NULL && fits(branch, value)) {
                        return datum(branch, value, path);
                    }
                }
                throw new IllegalArgumentException(path + ": no branch of " + schema + " takes " + value);
            case RECORD:
                require(!absent && value.isObject(), path, "must be an object for " + schema.getFullName());
                for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                    String field = names.next();
                    require(schema.getField(field) != null, path, "has no field " + field + " in " + schema.getFullName());
                }
                GenericData.Record record = new GenericData.Record(schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), datum(field.schema(), value.get(field.name()), path + "." + field.name()));
                }
                return record;
            case ARRAY:
                require(!absent && value.isArray(), path, "must be an array");
                List<Object> items = new ArrayList<>();
                int i = 0;
                for (JsonNode item : value) {
                    items.add(datum(schema.getElementType(), item, path + "[" + i++ + "]"));
                }
                return items;
            case MAP:
                require(!absent && value.isObject(), path, "must be an object");
                Map<String, Object> map = new LinkedHashMap<>();
                value.fields().forEachRemaining(e -> map.put(e.getKey(), datum(schema.getValueType(), e.getValue(), path + "." + e.getKey())));
                return map;
            case ENUM:
                require(!absent && value.isTextual() && schema.hasEnumSymbol(value.asText()), path, "must be a symbol of " + schema.getFullName());
                return new GenericData.EnumSymbol(schema, value.asText());
            case STRING:
                require(!absent && value.isTextual(), path, "must be a string");
                return value.asText();
            case BYTES:
                require(!absent && value.isTextual(), path, "must be a string (a decimal, or base64 bytes)");
                if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
                    return new BigDecimal(value.asText());
                }
                return ByteBuffer.wrap(Base64.getDecoder().decode(value.asText()));
            case INT:
                require(!absent && value.isIntegralNumber() && value.canConvertToInt(), path, "must be an int");
                return value.intValue();
            case LONG:
                require(!absent && value.isIntegralNumber() && value.canConvertToLong(), path, "must be a long");
                return value.longValue();
            case DOUBLE:
                require(!absent && value.isNumber(), path, "must be a number");
                return value.doubleValue();
            case FLOAT:
                require(!absent && value.isNumber(), path, "must be a number");
                return value.floatValue();
            case BOOLEAN:
                require(!absent && value.isBoolean(), path, "must be a boolean");
                return value.booleanValue();
            default:
                throw new IllegalArgumentException(path + ": type " + schema.getType() + " is not supported here");
        }
    }

    private static boolean fits(Schema branch, JsonNode value) {
        switch (branch.getType()) {
            case RECORD:
            case MAP:
                return value.isObject();
            case ARRAY:
                return value.isArray();
            case STRING:
            case ENUM:
            case BYTES:
                return value.isTextual();
            case INT:
                return value.isIntegralNumber() && value.canConvertToInt();
            case LONG:
                return value.isIntegralNumber();
            case DOUBLE:
            case FLOAT:
                return value.isNumber();
            case BOOLEAN:
                return value.isBoolean();
            default:
                return false;
        }
    }

    private static void require(boolean condition, String path, String what) {
        if (!condition) {
            throw new IllegalArgumentException(path + " " + what);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02x", b));
        }
        return out.toString();
    }
}
