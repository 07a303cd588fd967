"""Triton's own HTTP client (tritonclient.http, vendored unmodified in ./tritonclient) against the
served Worker: health, server and model metadata, one infer with the binary tensor extension (the
client's default), then get_inference_statistics() until the Monitor object has folded the
expected rows. Prints one JSON document of what the client returned; test/e2e/triton-client.test.ts
judges it. Usage: triton_client_check.py HOST:PORT MODEL VERSION ROWS EXPECTED_ROWS TIMEOUT_S
(EXPECTED_ROWS: the rows the statistics must count, this script's and the test's own.)
"""

import json
import sys
import time

import numpy as np
import tritonclient.http as httpclient

url, model, version = sys.argv[1], sys.argv[2], sys.argv[3]
rows, expected, timeout = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
client = httpclient.InferenceServerClient(url=url)
out = {
    "live": client.is_server_live(),
    "ready": client.is_server_ready(),
    "server": client.get_server_metadata(),
    "model_ready": client.is_model_ready(model, model_version=version),
    "metadata": client.get_model_metadata(model, model_version=version),
}

# Row i: features [i, i/2, -i, 1], extra [i/4, 2]: the test computes the same rows.
features = np.array([[i, i / 2, -i, 1] for i in range(rows)], dtype=np.float32)
extra = np.array([[i / 4, 2] for i in range(rows)], dtype=np.float32)
inputs = [httpclient.InferInput("features", list(features.shape), "FP32"), httpclient.InferInput("extra", list(extra.shape), "FP32")]
inputs[0].set_data_from_numpy(features)  # binary_data=True: the binary tensor extension
inputs[1].set_data_from_numpy(extra, binary_data=False)
outputs = [httpclient.InferRequestedOutput(o["name"]) for o in out["metadata"]["outputs"]]
result = client.infer(model, inputs, model_version=version, outputs=outputs, request_id="triton-client-1")
out["infer"] = {
    "id": result.get_response()["id"],
    "outputs": {o["name"]: result.as_numpy(o["name"]).tolist() for o in out["metadata"]["outputs"]},
}

deadline = time.monotonic() + timeout
while True:
    stats = client.get_inference_statistics(model_name=model, model_version=version)
    counts = [s["inference_count"] for s in stats["model_stats"]]
    if sum(counts) >= expected or time.monotonic() > deadline:
        break
    time.sleep(0.5)
out["stats_version"] = stats
out["stats_model"] = client.get_inference_statistics(model_name=model)
out["stats_all"] = client.get_inference_statistics()
client.close()
print(json.dumps(out))
