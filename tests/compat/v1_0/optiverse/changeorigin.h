// SPDX-License-Identifier: MIT
#pragma once

namespace Optiverse {

/**
 * Who caused a scene change.
 *
 * Every change to the scene carries its origin, both when it is requested
 * through IScene and when it is reported to ISceneObserver. This is how a
 * collaboration plugin tells the user's own edits (which it must broadcast)
 * from the edits it applied on behalf of a remote user (which it must never
 * send back, or every change would echo forever).
 *
 * @since 1.0
 */
enum class ChangeOrigin {
    /// The local user: UI gestures, scripts, undo/redo of the user's own edits.
    Local,
    /// Applied on behalf of a remote participant (e.g. by a collaboration plugin).
    /// A host must never put Remote changes on its undo stack.
    Remote,
};

} // namespace Optiverse
