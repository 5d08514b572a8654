// SPDX-License-Identifier: MIT
#pragma once

#include "changeorigin.h"
#include "sceneitem.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Optiverse {

class ISceneObserver;

/**
 * The host's optical table: what is on it, how to change it (the command API)
 * and how to be told when it changes.
 *
 * Threading: GUI thread only, for every method.
 *
 * Command API rules every host must follow (plugins rely on them):
 * - A command returns true when applied. On failure it returns false, changes
 *   nothing, notifies nobody, and, if @p errorString is not null, sets it to a
 *   sentence a user can read (e.g. "No item with id {…}").
 * - A successful command notifies every observer once, with the @p origin given.
 * - Commands with ChangeOrigin::Local go on the host's undo stack like UI edits;
 *   commands with ChangeOrigin::Remote never do. Undoing a Local edit is itself
 *   reported as a Local change (so it is broadcast like any other edit).
 * - A Remote change to an item must not corrupt the undo stack: a host may drop
 *   or rebase undo entries that refer to an item a Remote command removed.
 *
 * @since 1.0
 */
class IScene
{
public:
    virtual ~IScene() = default;

    /// All items, in no particular order. O(n).
    virtual QList<SceneItem> items() const = 0;

    /// The item with @p uuid, or a SceneItem with a null uuid when absent.
    virtual SceneItem item(const QUuid &uuid) const = 0;

    /// Adds @p item. Fails if the uuid is null or already present, or the type
    /// or data cannot be represented by the host.
    virtual bool addItem(const SceneItem &item, ChangeOrigin origin, QString *errorString) = 0;

    /// Sets the pose of @p uuid (millimetres, degrees). Fails if absent.
    virtual bool moveItem(const QUuid &uuid, double xMm, double yMm, double angleDeg,
                          ChangeOrigin origin, QString *errorString) = 0;

    /// Merges @p data into the item's data (keys not in @p data are kept).
    /// Fails if absent. Reported through ISceneObserver::itemUpdated, or
    /// itemMoved when only pose keys change.
    virtual bool updateItem(const QUuid &uuid, const QJsonObject &data, ChangeOrigin origin,
                            QString *errorString) = 0;

    /// Removes @p uuid. Fails if absent.
    virtual bool removeItem(const QUuid &uuid, ChangeOrigin origin, QString *errorString) = 0;

    /// Registers @p observer (not owned). Registering twice has no effect.
    virtual void addObserver(ISceneObserver *observer) = 0;

    /// Unregisters @p observer. Safe to call from inside a notification.
    virtual void removeObserver(ISceneObserver *observer) = 0;

    /**
     * Optional hint: many commands follow (e.g. a 10,000-item scene replaces
     * the local one). A host may defer repainting, indexing or scene-rect
     * updates until the matching endBulkChange(). Calls nest. Observers are
     * still notified per command.
     */
    virtual void beginBulkChange() {}
    /// Ends a beginBulkChange() bracket. @since 1.0
    virtual void endBulkChange() {}
};

} // namespace Optiverse
