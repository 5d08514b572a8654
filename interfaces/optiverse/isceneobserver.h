// SPDX-License-Identifier: MIT
#pragma once

#include "changeorigin.h"
#include "sceneitem.h"

#include <QStringList>

namespace Optiverse {

/**
 * Receives the host scene's change notifications.
 *
 * Why a listener interface rather than Qt signals: the contract stays
 * header-only, a host needs no moc run on our headers and no shared library,
 * and a mismatch in a notification's signature is a compile error instead of a
 * runtime "no such signal" warning.
 *
 * Every hook has an empty default body, so an observer implements only what it
 * needs. The vtable is published and never changes: a notification added
 * later comes as a separate observer interface registered through an
 * optional host interface (e.g. ISceneKeysObserver through ISceneKeys).
 *
 * Notifications are delivered synchronously, on the GUI thread, after the
 * change has been applied (IScene::item() already returns the new state).
 * An observer must not call IScene's mutating methods re-entrantly from a hook;
 * queue the work instead.
 *
 * Ownership: the observer is owned by whoever registered it, and must be
 * removed with IScene::removeObserver() before it is destroyed.
 *
 * @since 1.0
 */
class ISceneObserver
{
public:
    virtual ~ISceneObserver() = default;

    /// An item was added. @p item is the complete new item.
    virtual void itemAdded(const SceneItem &item, ChangeOrigin origin)
    {
        Q_UNUSED(item) Q_UNUSED(origin)
    }

    /// An item's pose changed. @p item carries the complete data after the move.
    virtual void itemMoved(const SceneItem &item, ChangeOrigin origin)
    {
        Q_UNUSED(item) Q_UNUSED(origin)
    }

    /// Some of an item's parameters changed. @p item carries the complete data
    /// after the change; @p changedKeys lists the keys of data that changed
    /// (keys a host deleted are not keys of data: they are reported through
    /// ISceneKeysObserver, and @p changedKeys may then be empty).
    virtual void itemUpdated(const SceneItem &item, const QStringList &changedKeys,
                             ChangeOrigin origin)
    {
        Q_UNUSED(item) Q_UNUSED(changedKeys) Q_UNUSED(origin)
    }

    /// An item was removed. @p item is its last state.
    virtual void itemRemoved(const SceneItem &item, ChangeOrigin origin)
    {
        Q_UNUSED(item) Q_UNUSED(origin)
    }

    /// The user started (true) or finished (false) dragging @p uuid.
    /// Moves between the two are interactive; the last one is the final pose.
    /// Optional: hosts that do not report drags simply never call it.
    virtual void itemDragStateChanged(const QUuid &uuid, bool dragging)
    {
        Q_UNUSED(uuid) Q_UNUSED(dragging)
    }
};

} // namespace Optiverse
