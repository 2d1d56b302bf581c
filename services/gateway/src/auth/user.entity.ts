import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A gateway account. Emails are stored lower-cased; the password only as an argon2id hash
 * (older accounts may still hold a scrypt hash until their next login upgrades it). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  email!: string;

  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
