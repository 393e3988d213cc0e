// The widget domain's public surface: other domains import these from here, never its other files.
export { changingLiveWidgets } from "./live-widgets";
