// SPDX-License-Identifier: MIT
#pragma once

#include "changeorigin.h"
#include "sceneitem.h"

#include <QStringList>

namespace Optiverse {

/**
 * Told which keys of an item's data were deleted (ISceneKeys 1.0).
 *
 * A separate interface, so ISceneObserver's vtable stays as published: a host
 * calls itemKeysRemoved() just before the ISceneObserver::itemUpdated() of the
 * same change (see ISceneKeys for the order and the rest of the rules).
 *
 * Ownership: owned by whoever registers it with ISceneKeys::addKeysObserver();
 * unregister before destroying it. GUI thread only.
 *
 * @since ISceneKeys 1.0 (contract 1.1)
 */
class ISceneKeysObserver
{
public:
    virtual ~ISceneKeysObserver() = default;

    /// @p removedKeys were deleted from the data of @p item (its state after the change).
    virtual void itemKeysRemoved(const SceneItem &item, const QStringList &removedKeys, ChangeOrigin origin) = 0;
};

} // namespace Optiverse
