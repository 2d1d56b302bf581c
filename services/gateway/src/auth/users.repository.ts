import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

/** Users of the gateway schema. */
@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ email });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }

  /** Inserts the user in `manager`'s transaction; false when the email is already taken. */
  async insert(manager: EntityManager, user: UserEntity): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [user.id, user.email, user.passwordHash, user.createdAt],
    );
    return rows.length === 1;
  }

  /** Runs `work` in one transaction (the row and the events it causes commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
